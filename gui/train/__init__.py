"""Training from the window: the job that runs the recipe, its controller, the controls and the live plots."""
