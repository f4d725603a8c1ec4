import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { AlertCircle, CloudUpload, KeyRound, Languages, LogOut, UserRound } from "lucide-react";
import { desk, type DeskError, type LanguageSetting } from "@/api/desk";
import type { SessionStorage } from "@/bindings/SessionStorage";
import type { SignedIn } from "@/bindings/SignedIn";
import type { SyncStatus } from "@/bindings/SyncStatus";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Kbd } from "@/components/ui/kbd";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Spinner } from "@/components/ui/spinner";
import i18n, { resolveLanguage } from "@/i18n";
import { describeError } from "@/lib/errors";
import { CameraCard } from "./CameraCard";
import { LabelPrinterCard } from "./LabelPrinterCard";
import { ScannerCard } from "./ScannerCard";

export interface SettingsScreenProps {
  signedIn: SignedIn;
  serverUrl: string;
  sessionStorage: SessionStorage;
  language: LanguageSetting;
  onLanguageChange: (language: LanguageSetting) => void;
  onSignedOut: () => void;
  status: SyncStatus;
  onOpenSync: () => void;
}

const SYSTEM = "system";

export function SettingsScreen({
  signedIn,
  serverUrl,
  sessionStorage,
  language,
  onLanguageChange,
  onSignedOut,
  status,
  onOpenSync,
}: SettingsScreenProps) {
  const { t } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  const [languageError, setLanguageError] = useState<DeskError | null>(null);
  const [signOutError, setSignOutError] = useState<DeskError | null>(null);
  const [signingOut, setSigningOut] = useState(false);

  useEffect(() => heading.current?.focus(), []);

  const changeLanguage = async (value: string) => {
    const setting: LanguageSetting = value === "en" || value === "fr" ? value : null;
    setLanguageError(null);
    // Applied at once; then saved so the next start opens in the same language.
    onLanguageChange(setting);
    await i18n.changeLanguage(resolveLanguage(setting));
    try {
      await desk.setLanguage(setting);
    } catch (err) {
      setLanguageError(err as DeskError);
    }
  };

  const signOut = async () => {
    setSigningOut(true);
    setSignOutError(null);
    try {
      await desk.signOut();
      onSignedOut();
    } catch (err) {
      setSignOutError(err as DeskError);
      setSigningOut(false);
    }
  };

  return (
    <section aria-labelledby="settings-title" className="h-full overflow-y-auto px-6 py-5">
      <h1 id="settings-title" ref={heading} tabIndex={-1} className="mb-4 text-lg font-semibold tracking-tight outline-none">
        {t("settings.title")}
      </h1>
      <div className="max-w-2xl space-y-4">
        <Card>
          <CardHeader>
            <CardTitle className="flex items-center gap-2">
              <Languages aria-hidden="true" className="size-4 text-muted-foreground" />
              {t("settings.language")}
            </CardTitle>
            <CardDescription>{t("settings.languageHelp")}</CardDescription>
          </CardHeader>
          <CardContent className="space-y-3">
            <Label htmlFor="language-select" className="sr-only">
              {t("settings.language")}
            </Label>
            <NativeSelect
              id="language-select"
              data-testid="language-select"
              className="w-64"
              value={language ?? SYSTEM}
              onChange={(e) => void changeLanguage(e.target.value)}
            >
              <option value="en" lang="en">
                English
              </option>
              <option value="fr" lang="fr">
                Français
              </option>
              <option value={SYSTEM}>{t("settings.languageSystem")}</option>
            </NativeSelect>
            {languageError && (
              <Alert variant="destructive" role="alert" data-testid="language-error">
                <AlertCircle aria-hidden="true" />
                <p>
                  {t("settings.languageSaveFailed")} {describeError(t, languageError).text}
                </p>
              </Alert>
            )}
          </CardContent>
        </Card>

        <LabelPrinterCard />
        <ScannerCard />
        <CameraCard />

        <Card>
          <CardHeader>
            <CardTitle className="flex items-center gap-2">
              <CloudUpload aria-hidden="true" className="size-4 text-muted-foreground" />
              {t("sync.settingsTitle")}
            </CardTitle>
            <CardDescription data-testid="settings-sync-summary">
              {t("sync.settingsBody", { count: status.queued + status.rejected })}
            </CardDescription>
          </CardHeader>
          <CardContent>
            <Button variant="outline" onClick={onOpenSync} data-testid="settings-open-sync" aria-keyshortcuts="Alt+S">
              {t("sync.open")}
              <Kbd aria-hidden="true">{t("sync.shortcut")}</Kbd>
            </Button>
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle className="flex items-center gap-2">
              <UserRound aria-hidden="true" className="size-4 text-muted-foreground" />
              {t("settings.account")}
            </CardTitle>
          </CardHeader>
          <CardContent className="space-y-4">
            <dl className="grid grid-cols-[minmax(10rem,auto)_1fr] gap-x-4 gap-y-2 text-sm">
              <dt className="text-muted-foreground">{t("settings.staff")}</dt>
              <dd data-testid="settings-staff">
                {signedIn.staff.name} <span className="text-muted-foreground">({signedIn.staff.email})</span>
              </dd>
              <dt className="text-muted-foreground">{t("settings.role")}</dt>
              <dd data-testid="settings-role">{t(`roles.${signedIn.staff.role}`)}</dd>
              <dt className="text-muted-foreground">{t("settings.building")}</dt>
              <dd>{signedIn.building.name}</dd>
              <dt className="text-muted-foreground">{t("settings.server")}</dt>
              <dd className="font-mono text-xs break-all" data-testid="settings-server">
                {serverUrl || t("common.notProvided")}
              </dd>
              <dt className="flex items-center gap-1.5 text-muted-foreground">
                <KeyRound aria-hidden="true" className="size-3.5" />
                {t("settings.sessionStorage")}
              </dt>
              <dd data-testid="settings-session-storage" data-storage={sessionStorage}>
                {sessionStorage === "keyring" ? t("settings.storageKeyring") : t("settings.storageFile")}
              </dd>
            </dl>
            {signOutError && (
              <Alert variant="destructive" role="alert" data-testid="sign-out-error">
                <AlertCircle aria-hidden="true" />
                <p>
                  {t("settings.signOutFailed")} {describeError(t, signOutError).text}
                </p>
              </Alert>
            )}
            <Button variant="outline" onClick={() => void signOut()} disabled={signingOut} data-testid="sign-out">
              {signingOut ? <Spinner /> : <LogOut aria-hidden="true" />}
              {signingOut ? t("settings.signingOut") : t("settings.signOut")}
            </Button>
          </CardContent>
        </Card>
      </div>
    </section>
  );
}
