import { useEffect, useState } from "react";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { z } from "zod";
import { useTranslation } from "react-i18next";
import { AlertCircle, ArrowLeft, Building2, Clock } from "lucide-react";
import { desk, type DeskError } from "@/api/desk";
import type { SignedIn } from "@/bindings/SignedIn";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Spinner } from "@/components/ui/spinner";
import { describeError } from "@/lib/errors";

// Messages are i18n keys, translated at render time so a language switch re-translates them.
// Only form-level checks here: whether the credentials are right is the server's business.
const schema = z.object({
  serverUrl: z
    .string()
    .trim()
    .min(1, "signIn.validation.serverUrlRequired")
    .regex(/^https?:\/\/[^\s/]+\S*$/i, "signIn.validation.serverUrlInvalid"),
  email: z
    .string()
    .trim()
    .min(1, "signIn.validation.emailRequired")
    .regex(/^[^\s@]+@[^\s@]+$/, "signIn.validation.emailInvalid"),
  password: z.string().min(1, "signIn.validation.passwordRequired"),
});

type FormValues = z.infer<typeof schema>;

export interface SignInScreenProps {
  defaultServerUrl: string;
  defaultEmail?: string;
  /** Shown after the session expired: explains why, offers to go back to the (offline) app. */
  sessionExpired?: boolean;
  onSignedIn: (who: SignedIn, serverUrl: string) => void;
  onCancel?: () => void;
}

export function SignInScreen({
  defaultServerUrl,
  defaultEmail = "",
  sessionExpired = false,
  onSignedIn,
  onCancel,
}: SignInScreenProps) {
  const { t } = useTranslation();
  const [serverError, setServerError] = useState<DeskError | null>(null);
  const {
    register,
    handleSubmit,
    setFocus,
    formState: { errors, isSubmitting },
  } = useForm<FormValues>({
    resolver: zodResolver(schema),
    defaultValues: { serverUrl: defaultServerUrl, email: defaultEmail, password: "" },
  });

  useEffect(() => {
    setFocus(!defaultServerUrl ? "serverUrl" : !defaultEmail ? "email" : "password");
  }, [defaultServerUrl, defaultEmail, setFocus]);

  const onSubmit = async (values: FormValues) => {
    setServerError(null);
    try {
      const who = await desk.signIn(values.serverUrl, values.email, values.password);
      onSignedIn(who, values.serverUrl);
    } catch (err) {
      const error = err as DeskError;
      setServerError(error);
      if (error.code === "invalid_credentials") setFocus("password");
      else if (error.code === "invalid_server_url" || error.code === "network") setFocus("serverUrl");
    }
  };

  const described = serverError ? describeError(t, serverError) : null;

  const field = (name: keyof FormValues) => {
    const error = errors[name]?.message;
    return {
      invalid: Boolean(error),
      aria: {
        "aria-invalid": error ? true : undefined,
        "aria-describedby": error ? `${idOf[name]}-error` : undefined,
      },
      message: error ? (
        <p id={`${idOf[name]}-error`} className="text-xs text-destructive">
          {t(error)}
        </p>
      ) : null,
    };
  };
  const server = field("serverUrl");
  const email = field("email");
  const password = field("password");

  return (
    <main className="flex h-full items-center justify-center overflow-auto bg-muted/40 p-6">
      <Card className="w-full max-w-sm">
        <CardHeader className="pt-6">
          <div className="mb-2 flex items-center gap-2 text-primary">
            <Building2 aria-hidden="true" className="size-5" />
            <span className="text-sm font-semibold tracking-wide">{t("app.name")}</span>
          </div>
          <h1 className="text-xl font-semibold tracking-tight">{t("signIn.title")}</h1>
          <CardDescription>{t("signIn.subtitle")}</CardDescription>
        </CardHeader>
        <CardContent className="pb-6">
          {sessionExpired && (
            <Alert variant="warning" className="mb-4">
              <Clock aria-hidden="true" />
              <p>{t("signIn.expiredNotice")}</p>
            </Alert>
          )}
          <form noValidate onSubmit={handleSubmit(onSubmit)} className="space-y-4">
            <div className="space-y-1.5">
              <Label htmlFor="server-url">{t("signIn.serverUrl")}</Label>
              <Input
                id="server-url"
                type="url"
                inputMode="url"
                autoComplete="url"
                spellCheck={false}
                placeholder="https://"
                {...server.aria}
                {...register("serverUrl")}
              />
              {server.message ?? (
                <p className="text-xs text-muted-foreground">{t("signIn.serverUrlHint")}</p>
              )}
            </div>
            <div className="space-y-1.5">
              <Label htmlFor="email">{t("signIn.email")}</Label>
              <Input
                id="email"
                type="email"
                autoComplete="username"
                spellCheck={false}
                {...email.aria}
                {...register("email")}
              />
              {email.message}
            </div>
            <div className="space-y-1.5">
              <Label htmlFor="password">{t("signIn.password")}</Label>
              <Input
                id="password"
                type="password"
                autoComplete="current-password"
                {...password.aria}
                {...register("password")}
              />
              {password.message}
            </div>
            {described && (
              <Alert variant="destructive" role="alert" data-testid="sign-in-error" data-code={serverError?.code}>
                <AlertCircle aria-hidden="true" />
                <div>
                  <p>{described.text}</p>
                  {described.details && <p className="mt-1 text-xs opacity-80">{described.details}</p>}
                </div>
              </Alert>
            )}
            <Button
              type="submit"
              className="w-full"
              disabled={isSubmitting}
              aria-busy={isSubmitting || undefined}
              data-testid="sign-in-submit"
            >
              {isSubmitting && <Spinner />}
              {isSubmitting ? t("signIn.submitting") : t("signIn.submit")}
            </Button>
            {onCancel && (
              <Button variant="ghost" className="w-full" onClick={onCancel} disabled={isSubmitting}>
                <ArrowLeft aria-hidden="true" />
                {t("signIn.backToApp")}
              </Button>
            )}
          </form>
        </CardContent>
      </Card>
    </main>
  );
}

const idOf: Record<keyof FormValues, string> = {
  serverUrl: "server-url",
  email: "email",
  password: "password",
};
