; Longread's Windows installer (NSIS 3), around the frozen bundle dist\longread.
;   makensis /DVERSION=0.1.0 /DBUNDLE=..\..\dist\longread packaging\windows\longread.nsi
; Installs per machine to Program Files, adds a Start menu entry, offers Longread in "Open
; with" for the document types it reads (it does not take over their default program), and
; registers an uninstaller. Uninstalling removes the program only: each user's library and
; settings (%APPDATA%\Longread) stay.
Unicode true
!include "MUI2.nsh"

!ifndef VERSION
  !define VERSION "0.1.0"
!endif
!ifndef BUNDLE
  !define BUNDLE "..\..\dist\longread"
!endif
!ifndef OUTFILE
  !define OUTFILE "..\..\dist\Longread-${VERSION}-setup.exe"
!endif

Name "Longread ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\Longread"
InstallDirRegKey HKLM "Software\Longread" "InstallDir"
RequestExecutionLevel admin
SetCompressor /SOLID lzma

!define MUI_ICON "..\icons\longread.ico"
!define MUI_UNICON "..\icons\longread.ico"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN "$INSTDIR\longread.exe"
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Longread"
!define APP_KEY "Software\Classes\Applications\longread.exe"

!macro OpenWith EXT
  WriteRegStr HKLM "Software\Classes\${EXT}\OpenWithProgids" "Longread.Document" ""
  WriteRegStr HKLM "${APP_KEY}\SupportedTypes" "${EXT}" ""
!macroend
!macro NoOpenWith EXT
  DeleteRegValue HKLM "Software\Classes\${EXT}\OpenWithProgids" "Longread.Document"
!macroend

Section "Longread" main
  SetOutPath "$INSTDIR"
  File /r "${BUNDLE}\*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "Software\Longread" "InstallDir" "$INSTDIR"

  CreateShortcut "$SMPROGRAMS\Longread.lnk" "$INSTDIR\longread.exe" "" "$INSTDIR\longread.exe" 0

  ; "Open with Longread" for the formats it reads.
  WriteRegStr HKLM "Software\Classes\Longread.Document" "" "Document (Longread)"
  WriteRegStr HKLM "Software\Classes\Longread.Document\DefaultIcon" "" "$INSTDIR\longread.exe,0"
  WriteRegStr HKLM "Software\Classes\Longread.Document\shell\open\command" "" '"$INSTDIR\longread.exe" "%1"'
  WriteRegStr HKLM "${APP_KEY}\shell\open\command" "" '"$INSTDIR\longread.exe" "%1"'
  WriteRegStr HKLM "${APP_KEY}" "FriendlyAppName" "Longread"
  !insertmacro OpenWith ".pdf"
  !insertmacro OpenWith ".docx"
  !insertmacro OpenWith ".epub"
  !insertmacro OpenWith ".txt"
  !insertmacro OpenWith ".md"
  !insertmacro OpenWith ".html"
  !insertmacro OpenWith ".csv"

  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "Longread"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "Longread"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\longread.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  ; The program only: every user's library and settings (%APPDATA%\Longread) stay.
  Delete "$SMPROGRAMS\Longread.lnk"
  !insertmacro NoOpenWith ".pdf"
  !insertmacro NoOpenWith ".docx"
  !insertmacro NoOpenWith ".epub"
  !insertmacro NoOpenWith ".txt"
  !insertmacro NoOpenWith ".md"
  !insertmacro NoOpenWith ".html"
  !insertmacro NoOpenWith ".csv"
  DeleteRegKey HKLM "Software\Classes\Longread.Document"
  DeleteRegKey HKLM "${APP_KEY}"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  DeleteRegKey HKLM "Software\Longread"
  RMDir /r "$INSTDIR"
SectionEnd
