"""Digit Draw as an installed program: the ``digit-draw`` command (``digit_draw.main``) and where
the weights it ships with are (``digit_draw.shipped``). It joins ``cli`` and ``gui``, which stay
apart, so nothing is imported here."""
