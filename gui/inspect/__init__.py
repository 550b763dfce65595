"""Looking inside: feature maps, learned filters, the test-set evaluation and test digits on the canvas."""
