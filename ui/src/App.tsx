import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { AlertTriangle } from "lucide-react";
import { desk, type DeskError, type LanguageSetting } from "@/api/desk";
import type { Bootstrap } from "@/bindings/Bootstrap";
import type { SignedIn } from "@/bindings/SignedIn";
import type { SyncStatus } from "@/bindings/SyncStatus";
import { Button } from "@/components/ui/button";
import { Spinner } from "@/components/ui/spinner";
import { ScannerProvider } from "@/features/scanner/ScannerContext";
import { AppShell } from "@/features/shell/AppShell";
import { SignInScreen } from "@/features/sign-in/SignInScreen";
import { useDeskEvent } from "@/hooks/useDeskEvent";
import i18n, { resolveLanguage } from "@/i18n";
import { describeError } from "@/lib/errors";

type Phase =
  | { kind: "loading" }
  | { kind: "failed"; error: DeskError }
  | { kind: "ready" };

function asLanguageSetting(value: string | null): LanguageSetting {
  return value === "en" || value === "fr" ? value : null;
}

export function App() {
  const { t } = useTranslation();
  const [phase, setPhase] = useState<Phase>({ kind: "loading" });
  const [boot, setBoot] = useState<Bootstrap | null>(null);
  const [signedIn, setSignedIn] = useState<SignedIn | null>(null);
  const [status, setStatus] = useState<SyncStatus | null>(null);
  const [serverUrl, setServerUrl] = useState<string>("");
  const [language, setLanguage] = useState<LanguageSetting>(null);
  const [reauth, setReauth] = useState(false);

  const load = useCallback(async () => {
    setPhase({ kind: "loading" });
    try {
      const b = await desk.bootstrap();
      await i18n.changeLanguage(resolveLanguage(b.language));
      setBoot(b);
      setSignedIn(b.signed_in);
      setStatus(b.status);
      setServerUrl(b.server_url ?? "");
      setLanguage(asLanguageSetting(b.language));
      setPhase({ kind: "ready" });
    } catch (err) {
      setPhase({ kind: "failed", error: err as DeskError });
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  useDeskEvent(desk.onSyncStatus, setStatus);

  const refreshStatus = useCallback(() => {
    desk.syncStatus().then(setStatus, (err: unknown) => {
      // The next "sync-status" event brings it anyway; keep the trace for support.
      console.warn("sync_status failed", err);
    });
  }, []);

  const onSignedIn = useCallback(
    (who: SignedIn, url: string) => {
      setSignedIn(who);
      setServerUrl(url);
      setReauth(false);
      refreshStatus();
    },
    [refreshStatus],
  );

  const onSignedOut = useCallback(() => {
    setSignedIn(null);
    setReauth(false);
    setStatus((s) => (s ? { ...s, connection: { state: "signed_out" } } : s));
  }, []);

  if (phase.kind === "loading") {
    return (
      <div className="flex h-full items-center justify-center gap-2 text-muted-foreground" role="status">
        <Spinner />
        <span>{t("app.loading")}</span>
      </div>
    );
  }

  if (phase.kind === "failed" || !boot || !status) {
    const error = phase.kind === "failed" ? phase.error : null;
    const described = error ? describeError(t, error) : null;
    return (
      <main className="flex h-full items-center justify-center p-6">
        <div role="alert" className="max-w-md space-y-3 text-center">
          <AlertTriangle aria-hidden="true" className="mx-auto size-8 text-destructive" />
          <h1 className="text-lg font-semibold">{t("app.bootstrapFailed")}</h1>
          {described && <p>{described.text}</p>}
          {described?.details && <p className="text-xs text-muted-foreground">{described.details}</p>}
          <Button onClick={() => void load()}>{t("app.retry")}</Button>
        </div>
      </main>
    );
  }

  if (!signedIn || reauth) {
    return (
      <SignInScreen
        defaultServerUrl={serverUrl}
        defaultEmail={reauth ? (signedIn?.staff.email ?? "") : ""}
        sessionExpired={reauth}
        onSignedIn={onSignedIn}
        onCancel={reauth ? () => setReauth(false) : undefined}
      />
    );
  }

  return (
    <ScannerProvider>
      <AppShell
        signedIn={signedIn}
        status={status}
        serverUrl={serverUrl}
        sessionStorage={boot.session_storage}
        language={language}
        onLanguageChange={setLanguage}
        onSignedOut={onSignedOut}
        onSignInAgain={() => setReauth(true)}
        onStatus={setStatus}
      />
    </ScannerProvider>
  );
}
