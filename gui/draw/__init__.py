"""Drawing: the canvas and its strokes, the live prediction and the view that shows it."""
