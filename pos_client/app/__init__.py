"""The Qt-free composition root: what the till is made of, built from the settings in one place."""
