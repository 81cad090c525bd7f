# Build pos-client for Windows: the one-folder bundle (PyInstaller), its self-test, the installer
# (Inno Setup 6). Run from any folder, in PowerShell:
#     powershell -ExecutionPolicy Bypass -File packaging\windows\build_windows.ps1
# Needs the project's venv (.venv, see the README) and Inno Setup 6 (ISCC.exe).
# Output: dist\pos-client\ and dist\pos-client-<version>-setup.exe
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

function Invoke-Step([string]$Title, [scriptblock]$Command) {
    Write-Host "[build] $Title"
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$Title failed (exit code $LASTEXITCODE)" }
}

$python = ".venv\Scripts\python.exe"
if (-not (Test-Path $python)) { throw "No venv: py -3 -m venv .venv; .venv\Scripts\python -m pip install -e "".[test]""" }

$iscc = @(
    $env:ISCC,
    "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe",
    "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
    "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe"
) | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
if (-not $iscc) { throw "Inno Setup 6 not found: install it (winget install JRSoftware.InnoSetup) or set `$env:ISCC" }

Invoke-Step "icons (build\icons\pos-client.ico)" { & $python packaging\make_icons.py build\icons }
Invoke-Step "bundle (dist\pos-client\)" {
    & $python -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build\pyinstaller packaging\pos_client.spec
}
Invoke-Step "self-test of the bundle" {
    & dist\pos-client\pos-client-console.exe --dev-dir build\selftest --self-test
}
Invoke-Step "installer (Inno Setup)" { & $iscc /Qp packaging\windows\pos-client.iss }
Get-ChildItem dist\pos-client-*-setup.exe | ForEach-Object { Write-Host "[build] $($_.FullName)" }
