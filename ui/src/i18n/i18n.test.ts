import { describe, expect, it } from "vitest";
import { en } from "./en";
import { fr } from "./fr";
import i18n, { resolveLanguage } from "./index";

function flatten(obj: object, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "string") out.set(key, v);
    else for (const [kk, vv] of flatten(v as object, key)) out.set(kk, vv);
  }
  return out;
}

const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe("translations", () => {
  const enKeys = flatten(en);
  const frKeys = flatten(fr);

  it("every English key exists in French", () => {
    const missing = [...enKeys.keys()].filter((k) => !frKeys.has(k));
    expect(missing).toEqual([]);
  });

  it("every French key exists in English", () => {
    const extra = [...frKeys.keys()].filter((k) => !enKeys.has(k));
    expect(extra).toEqual([]);
  });

  it("has no empty strings and the same {{placeholders}} in both languages", () => {
    for (const [key, text] of enKeys) {
      const frText = frKeys.get(key) ?? "";
      expect(text.trim(), key).not.toBe("");
      expect(frText.trim(), key).not.toBe("");
      expect(placeholders(frText), key).toEqual(placeholders(text));
    }
  });

  it("uses the Quebec French names of the sections", () => {
    expect(fr.nav).toMatchObject({
      residents: "Résidents",
      packages: "Colis",
      pickup: "Cueillette",
      intake: "Réception de colis",
      messages: "Messages",
      reports: "Rapports",
      settings: "Paramètres",
    });
    expect(fr.status.offline).toBe("Hors ligne");
    expect(fr.status.online).toBe("En ligne");
  });

  it("pluralises the queued count in both languages", async () => {
    await i18n.changeLanguage("fr");
    expect(i18n.t("status.queued", { count: 0 })).toBe("Aucune modification en attente");
    expect(i18n.t("status.queued", { count: 1 })).toBe("1 modification en attente d'envoi");
    expect(i18n.t("status.queued", { count: 3 })).toBe("3 modifications en attente d'envoi");
    await i18n.changeLanguage("en");
    expect(i18n.t("status.queued", { count: 1 })).toBe("1 change waiting to be sent");
  });

  it("resolves the stored setting, and null follows the system language", () => {
    expect(resolveLanguage("fr")).toBe("fr");
    expect(resolveLanguage("en")).toBe("en");
    const original = navigator.language;
    Object.defineProperty(navigator, "language", { value: "fr-CA", configurable: true });
    expect(resolveLanguage(null)).toBe("fr");
    Object.defineProperty(navigator, "language", { value: "de-DE", configurable: true });
    expect(resolveLanguage(null)).toBe("en");
    Object.defineProperty(navigator, "language", { value: original, configurable: true });
  });
});
