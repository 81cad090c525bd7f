; Inno Setup 6 script of pos-client: installs the PyInstaller bundle (dist\pos-client\) with
; Start-menu entries. Build it with packaging\windows\build_windows.ps1 (see README.md here), or by
; hand after PyInstaller:  ISCC packaging\windows\pos-client.iss
;
; Name and version come from the bundle: the spec writes them into pos-client.exe's version
; resource, read back below. Pass /DAppVersion=... only to override.
;
; Uninstalling removes the program folder only. Each user's journal, settings and logs
; (%LOCALAPPDATA%\pos-client\pos-client) and the API key (Windows Credential Manager) stay: the
; journal is the shop's record of pass Culture payments.

#define AppName "pos-client"
#define AppExe "pos-client.exe"
#define ConsoleExe "pos-client-console.exe"
#define Root AddBackslash(SourcePath) + "..\.."
#define BundleDir Root + "\dist\pos-client"

#if !FileExists(BundleDir + "\" + AppExe)
  #error The bundle is missing: build it first (PyInstaller, see README.md)
#endif
#ifndef AppVersion
  #define AppVersion GetStringFileInfo(BundleDir + "\" + AppExe, "ProductVersion")
#endif

[Setup]
; The AppId identifies the product for upgrades and uninstall: never change it.
AppId={{BC5BB740-6B53-456E-B100-D5BEE3AA74F8}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=pos-client
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Administrators install for every user; others may install for themselves only.
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#Root}\dist
OutputBaseFilename={#AppName}-{#AppVersion}-setup
SetupIconFile={#Root}\build\icons\pos-client.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; A running till holds its journal open: ask to close it before files are replaced.
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "french"; MessagesFile: "compiler:Languages\French.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
french.DemoMode=%1 (mode démo)
english.DemoMode=%1 (demo mode)
french.SelfTest=Vérifier l'installation de %1
english.SelfTest=Check the %1 installation

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the whole bundle: files a previous version had and this one dropped go.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{group}\{cm:DemoMode,{#AppName}}"; Filename: "{app}\{#AppExe}"; Parameters: "--demo"; WorkingDir: "{app}"
; cmd /k keeps the window open on the self-test's report.
Name: "{group}\{cm:SelfTest,{#AppName}}"; Filename: "{cmd}"; Parameters: "/k """"{app}\{#ConsoleExe}"" --self-test"""; WorkingDir: "{app}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only the program folder: never {localappdata}, where each user's journal lives.
Type: filesandordirs; Name: "{app}\_internal"
