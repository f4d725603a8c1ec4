import { screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import i18n from "@/i18n";
import { bootstrap } from "@/test/fixtures";
import { renderSignedInApp } from "@/test/render";
import { tauriMock } from "@/test/tauri";

async function openSettings(boot = bootstrap()) {
  const r = await renderSignedInApp(boot);
  await r.user.click(screen.getByTestId("nav-settings"));
  return r;
}

describe("settings", () => {
  it("switches the whole UI to French at once and saves the choice", async () => {
    const { user } = await openSettings();
    expect(screen.getByTestId("nav-residents")).toHaveTextContent("Residents");
    expect(screen.getByTestId("language-select")).toHaveValue("en");

    await user.selectOptions(screen.getByTestId("language-select"), "fr");

    expect(await screen.findByRole("heading", { name: "Paramètres" })).toBeInTheDocument();
    expect(screen.getByTestId("nav-residents")).toHaveTextContent("Résidents");
    expect(screen.getByTestId("nav-packages")).toHaveTextContent("Colis");
    expect(screen.getByTestId("nav-pickup")).toHaveTextContent("Cueillette");
    expect(screen.getByTestId("nav-intake")).toHaveTextContent("Réception de colis");
    expect(screen.getByTestId("status-connection")).toHaveTextContent("En ligne");
    expect(screen.getByTestId("sign-out")).toHaveTextContent("Se déconnecter");
    expect(screen.getByTestId("settings-role")).toHaveTextContent("Portier");
    expect(document.documentElement.lang).toBe("fr");
    expect(tauriMock.callsOf("set_language")).toEqual([{ language: "fr" }]);
  });

  it("follows the system language with null", async () => {
    const { user } = await openSettings(bootstrap({ language: "fr" }));
    expect(screen.getByTestId("language-select")).toHaveValue("fr");
    await user.selectOptions(screen.getByTestId("language-select"), "system");
    await waitFor(() => expect(tauriMock.callsOf("set_language")).toEqual([{ language: null }]));
    expect(i18n.language).toBe(navigator.language.startsWith("fr") ? "fr" : "en");
    expect(screen.getByTestId("language-select")).toHaveValue("system");
  });

  it("starts in the language bootstrap says", async () => {
    await renderSignedInApp(bootstrap({ language: "fr" }));
    expect(screen.getByRole("heading", { name: "Résidents" })).toBeInTheDocument();
    expect(screen.getByTestId("resident-search")).toHaveAttribute("placeholder", "Nom, unité, courriel ou téléphone");
  });

  it("shows a failure to save the language", async () => {
    const { user } = await openSettings();
    tauriMock.fail("set_language", "storage", "read-only file system");
    await user.selectOptions(screen.getByTestId("language-select"), "fr");
    expect(await screen.findByTestId("language-error")).toHaveTextContent(
      "La langue n'a pas pu être enregistrée.",
    );
  });

  it("shows the account, the server and where the session is stored", async () => {
    await openSettings(bootstrap({ session_storage: "file" }));
    expect(screen.getByTestId("settings-staff")).toHaveTextContent("Marie Tremblay (marie@loftsdesarts.ca)");
    expect(screen.getByTestId("settings-role")).toHaveTextContent("Doorman");
    expect(screen.getByTestId("settings-server")).toHaveTextContent("https://desk.loftsdesarts.ca");
    expect(screen.getByTestId("settings-session-storage")).toHaveTextContent(
      "A protected file in the app's data folder — no keyring on this system",
    );
  });

  it("says the OS keyring when the session is there", async () => {
    await openSettings();
    expect(screen.getByTestId("settings-session-storage")).toHaveTextContent("The OS keyring");
  });

  it("signs out and comes back to the sign-in screen", async () => {
    const { user } = await openSettings();
    await user.click(screen.getByTestId("sign-out"));
    expect(await screen.findByTestId("sign-in-submit")).toBeInTheDocument();
    expect(tauriMock.callsOf("sign_out")).toHaveLength(1);
    expect(screen.queryByTestId("app-ready")).not.toBeInTheDocument();
    expect(screen.getByLabelText("Server address")).toHaveValue("https://desk.loftsdesarts.ca");
  });

  it("stays signed in and says why when sign-out fails", async () => {
    const { user } = await openSettings();
    tauriMock.fail("sign_out", "storage", "keyring locked");
    await user.click(screen.getByTestId("sign-out"));
    expect(await screen.findByTestId("sign-out-error")).toHaveTextContent("Sign-out failed.");
    expect(screen.getByTestId("app-ready")).toBeInTheDocument();
    expect(screen.getByTestId("sign-out")).toBeEnabled();
  });
});
