# Windows: the frozen bundle, its smoke test, then the NSIS installer (dist\Longread-VERSION-setup.exe).
# Run from the repository root in an environment where `pip install -e .[package]` was done.
$ErrorActionPreference = "Stop"
$version = (Select-String -Path pyproject.toml -Pattern '^version = "(.*)"').Matches[0].Groups[1].Value
pyinstaller --noconfirm --distpath dist --workpath build\pyinstaller packaging\longread.spec
if ($LASTEXITCODE -ne 0) { throw "pyinstaller failed" }
$env:QT_QPA_PLATFORM = "offscreen"
& dist\longread\longread.exe --smoke-test
if ($LASTEXITCODE -ne 0) { throw "the frozen app failed its smoke test" }
makensis /DVERSION=$version packaging\windows\longread.nsi
if ($LASTEXITCODE -ne 0) { throw "makensis failed" }
Get-Item "dist\Longread-$version-setup.exe" | Select-Object Name, Length
