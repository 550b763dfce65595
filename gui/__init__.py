"""The Digit Draw desktop app (PySide6). It uses ``cnn`` only through its public API."""
import ctypes
import os
import shutil
import sys

# The system libraries Qt's xcb platform plugin (libqxcb.so, libQt6XcbQpa.so.6) and QtGui, QtDBus
# link (objdump -p, PySide6 6.11), with the Debian/Ubuntu package holding each. One missing makes Qt
# abort with "Could not load the Qt platform plugin xcb"; checking first turns that into one line
# saying what to install.
XCB_LIBRARIES = {
    "libGL.so.1": "libgl1", "libEGL.so.1": "libegl1", "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0", "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3", "libX11.so.6": "libx11-6", "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon.so.0": "libxkbcommon0", "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb.so.1": "libxcb1", "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0", "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0", "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0", "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0", "libxcb-sync.so.1": "libxcb-sync1", "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0", "libxcb-xkb.so.1": "libxcb-xkb1",
}


def run(argv=None, weights_path=None, data_dir=None) -> int:
    """Show the window and run the event loop; returns the exit code.

    Args:
        argv: command-line arguments for Qt (default ``sys.argv``).
        weights_path: weights file to start with (default: the shipped ``weights/digitnet.npz``,
            or an untrained network when that is missing).
        data_dir: folder holding MNIST (default: ``$MNIST_DIR``, then the cache folder).
    """
    problem = display_problem()
    if problem:
        print(f"app.py: {problem}", file=sys.stderr)
        return 1
    from gui.application import run as _run  # Qt is imported only when the app is started

    return _run(argv, weights_path, data_dir)


def display_problem(environ=os.environ, platform=sys.platform) -> str | None:
    """Why the window cannot open here, said before Qt tries (and aborts); None when it can."""
    if not platform.startswith("linux"):
        return None
    requested = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    has_x11, has_wayland = bool(environ.get("DISPLAY")), bool(environ.get("WAYLAND_DISPLAY"))
    if requested not in ("", "xcb"):
        return None  # offscreen, wayland, vnc, ...: Qt's own messages suffice
    if not has_x11 and (requested == "xcb" or not has_wayland):
        unset = "DISPLAY is not set" if requested else "neither DISPLAY nor WAYLAND_DISPLAY is set"
        return f"there is no display to open the window on ({unset}); the subcommands need none " \
               "(app.py --help)"
    wayland_first = not requested and (has_wayland or environ.get("XDG_SESSION_TYPE") == "wayland")
    if wayland_first:
        return None  # Qt picks Wayland here, which needs none of the xcb libraries
    missing = [soname for soname in XCB_LIBRARIES if not loadable(soname)]
    if not missing:
        return None
    if shutil.which("apt-get"):
        packages = " ".join(dict.fromkeys(XCB_LIBRARIES[soname] for soname in missing))
        return f"the window needs these libraries: sudo apt-get install {packages}"
    return f"the window needs these libraries: {' '.join(missing)}"


def loadable(soname: str) -> bool:
    """Whether the dynamic loader finds ``soname`` (the way Qt will look for it)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True
