"""Multiple systems estimation: estimate a population from overlapping incomplete lists.

Estimators are plain functions on a :class:`~tribunal.mse.table.CaptureTable`; they never
touch the file system or the case database.
"""
