"""Files Longread reads at run time (the sample report), installed as the package
`longread_resources` (pyproject.toml maps it to this folder) and found with importlib.resources,
so they are there in a source tree, an installed wheel and a frozen bundle alike."""
