"""The weekly digest for each council: figures, small-count suppression, text, chart,
workbook and delivery."""
