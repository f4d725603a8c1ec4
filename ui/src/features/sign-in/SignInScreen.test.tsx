import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { bootstrap, signedIn, status } from "@/test/fixtures";
import { renderApp } from "@/test/render";
import { tauriMock } from "@/test/tauri";

const signedOutBoot = () =>
  bootstrap({ signed_in: null, status: status({ state: "signed_out" }, { last_sync_ms: null }) });

async function renderSignIn(boot = signedOutBoot()) {
  const r = await renderApp(boot);
  await screen.findByTestId("sign-in-submit");
  return r;
}

describe("sign-in", () => {
  it("is shown when nobody is signed in, with the server address prefilled", async () => {
    await renderSignIn();
    expect(screen.getByLabelText("Server address")).toHaveValue("https://desk.loftsdesarts.ca");
    expect(screen.getByLabelText("Email")).toHaveFocus();
    expect(screen.queryByTestId("app-ready")).not.toBeInTheDocument();
  });

  it("validates the form without calling the desk", async () => {
    const { user } = await renderSignIn(bootstrap({ signed_in: null, server_url: null }));
    expect(screen.getByLabelText("Server address")).toHaveFocus();
    await user.click(screen.getByTestId("sign-in-submit"));
    expect(await screen.findByText("Enter the server address.")).toBeInTheDocument();
    expect(screen.getByText("Enter your email.")).toBeInTheDocument();
    expect(screen.getByText("Enter your password.")).toBeInTheDocument();
    expect(screen.getByLabelText("Email")).toHaveAttribute("aria-invalid", "true");

    await user.type(screen.getByLabelText("Server address"), "desk.example.com");
    await user.type(screen.getByLabelText("Email"), "not-an-email");
    await user.click(screen.getByTestId("sign-in-submit"));
    expect(await screen.findByText("Enter an address that starts with http:// or https://.")).toBeInTheDocument();
    expect(screen.getByText("Enter a valid email address.")).toBeInTheDocument();
    expect(tauriMock.callsOf("sign_in")).toHaveLength(0);
  });

  it("submits on Enter with the right arguments and opens Residents", async () => {
    let resolve: (v: unknown) => void = () => {};
    const { user } = await renderSignIn();
    tauriMock.on("sign_in", () => new Promise((r) => (resolve = r)));
    await user.type(screen.getByLabelText("Email"), "  marie@loftsdesarts.ca ");
    await user.type(screen.getByLabelText("Password"), "correct horse{Enter}");

    const button = await screen.findByRole("button", { name: "Signing in…" });
    expect(button).toBeDisabled();
    expect(tauriMock.callsOf("sign_in")).toEqual([
      { serverUrl: "https://desk.loftsdesarts.ca", email: "marie@loftsdesarts.ca", password: "correct horse" },
    ]);

    resolve(signedIn);
    expect(await screen.findByTestId("app-ready")).toBeInTheDocument();
    expect(screen.getByTestId("nav-residents")).toHaveAttribute("aria-current", "page");
    expect(screen.getByTestId("staff-name")).toHaveTextContent("Marie Tremblay");
  });

  it.each([
    ["en", "Email", "Password", "Wrong email or password."],
    ["fr", "Courriel", "Mot de passe", "Courriel ou mot de passe incorrect."],
  ] as const)("shows invalid credentials translated (%s)", async (language, emailLabel, passwordLabel, text) => {
    const { user } = await renderSignIn(bootstrap({ ...signedOutBoot(), language }));
    tauriMock.fail("sign_in", "invalid_credentials", "401 from server: bad password");
    await user.type(screen.getByLabelText(emailLabel), "marie@loftsdesarts.ca");
    await user.type(screen.getByLabelText(passwordLabel), "wrong");
    await user.click(screen.getByTestId("sign-in-submit"));
    const error = await screen.findByTestId("sign-in-error");
    expect(error).toHaveAttribute("role", "alert");
    expect(error).toHaveTextContent(text);
    expect(error).not.toHaveTextContent("401");
    expect(screen.getByLabelText(passwordLabel)).toHaveFocus();
    expect(screen.getByTestId("sign-in-submit")).toBeEnabled();
    expect(screen.queryByTestId("app-ready")).not.toBeInTheDocument();
  });

  it("explains a network failure and keeps what was typed", async () => {
    const { user } = await renderSignIn();
    tauriMock.fail("sign_in", "network", "connection refused");
    await user.type(screen.getByLabelText("Email"), "marie@loftsdesarts.ca");
    await user.type(screen.getByLabelText("Password"), "pw{Enter}");
    expect(await screen.findByTestId("sign-in-error")).toHaveTextContent("Can't reach the server.");
    expect(screen.getByLabelText("Email")).toHaveValue("marie@loftsdesarts.ca");
    expect(screen.getByLabelText("Server address")).toHaveFocus();
  });
});
