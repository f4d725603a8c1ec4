import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { en } from "./en";
import { fr } from "./fr";

export type UiLanguage = "en" | "fr";

/** The OS/browser language reduced to one we have: French if it starts with "fr", else English. */
export function systemLanguage(): UiLanguage {
  const lang = typeof navigator !== "undefined" ? navigator.language : "";
  return lang?.toLowerCase().startsWith("fr") ? "fr" : "en";
}

/** The stored setting ("en" | "fr" | null = follow the system) resolved to a UI language. */
export function resolveLanguage(setting: string | null | undefined): UiLanguage {
  if (setting === "fr" || setting === "en") return setting;
  return systemLanguage();
}

export function currentLanguage(): UiLanguage {
  return i18n.language === "fr" ? "fr" : "en";
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, fr: { translation: fr } },
  lng: systemLanguage(),
  fallbackLng: "en",
  supportedLngs: ["en", "fr"],
  interpolation: { escapeValue: false }, // React escapes; text is always rendered as text.
  returnNull: false,
  initAsync: false,
});

function syncDocumentLang(lng: string) {
  if (typeof document !== "undefined") document.documentElement.lang = lng;
}
syncDocumentLang(i18n.language);
i18n.on("languageChanged", syncDocumentLang);

export default i18n;
