"""Defences shared by every face of the program against hostile input and unusable surroundings:
one deadline and a size cap for each HTTP exchange (``http_limits``), CSV cells a spreadsheet will
not run (``csv_cells``), files and folders readable by the till's user only and no temporary file
left by a crash (``private_files``), and the command line's guard against unwritable output
(``output``)."""
