"""Documents and images built from survey results: the QR code and poster for a launch, charts.

Modules: `fonts` (the shipped CJK font), `qr`, `poster` (fpdf2), `charts` (matplotlib).
Nothing here touches Flask or the database; callers pass in already translated text.
"""
