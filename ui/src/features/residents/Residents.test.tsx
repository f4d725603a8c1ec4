import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ResidentSearch } from "@/bindings/ResidentSearch";
import { hits, page } from "@/test/fixtures";
import { renderSignedInApp } from "@/test/render";
import { tauriMock } from "@/test/tauri";
import { SEARCH_LIMIT } from "./ResidentSearch";

const rows = () => screen.queryAllByTestId("resident-hit");
const selectedRow = () => rows().find((r) => r.getAttribute("aria-selected") === "true");

async function openResidents() {
  const r = await renderSignedInApp();
  await waitFor(() => expect(rows()).toHaveLength(3));
  return r;
}

describe("residents", () => {
  it("focuses the search and lists the first residents on open", async () => {
    await openResidents();
    expect(screen.getByTestId("resident-search")).toHaveFocus();
    expect(tauriMock.callsOf("search_residents")[0]).toEqual({ query: "", limit: SEARCH_LIMIT });
    const first = rows()[0]!;
    expect(first).toHaveAttribute("data-resident-id", "r-1");
    expect(first).toHaveTextContent("Amélie Bélanger");
    expect(first).toHaveTextContent("Unit 804");
    expect(first).toHaveTextContent("514-555-0101 · amelie@example.com");
    expect(first).toHaveTextContent("Owner");
    expect(rows()[1]).toHaveTextContent("Tenant");
    expect(rows()[2]).toHaveTextContent("No unit");
    expect(screen.getByTestId("resident-count")).toHaveTextContent("3 residents");
  });

  it("searches on every keystroke and renders the hits", async () => {
    const { user } = await openResidents();
    await user.type(screen.getByTestId("resident-search"), "hugo");
    expect(tauriMock.callsOf("search_residents").map((a) => a?.query)).toEqual(["", "h", "hu", "hug", "hugo"]);
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(rows()[0]).toHaveTextContent("Hugo Bélanger");
  });

  it("ignores answers that arrive out of order", async () => {
    const pending = new Map<string, (found: ResidentSearch) => void>();
    const { user } = await openResidents();
    tauriMock.on("search_residents", (a: Record<string, unknown>) => new Promise((r) => pending.set(String(a.query), r)));
    await user.type(screen.getByTestId("resident-search"), "ch");
    // the answer for "ch" comes first, then the stale one for "c"
    pending.get("ch")!(page([hits[2]!]));
    await waitFor(() => expect(rows()).toHaveLength(1));
    pending.get("c")!(page(hits));
    await new Promise((r) => setTimeout(r, 20));
    expect(rows()).toHaveLength(1);
    expect(rows()[0]).toHaveTextContent("Chloé Côté");
  });

  it("says when the list is only the first page of the matches", async () => {
    await openResidents();
    expect(screen.getByText("3 residents")).toBeInTheDocument();
    tauriMock.on("search_residents", page(hits, 215));
    tauriMock.emit("directory-changed", null);
    expect(await screen.findByText("First 3 of 215 residents")).toBeInTheDocument();
  });

  it("shows an empty state", async () => {
    const { user } = await openResidents();
    await user.type(screen.getByTestId("resident-search"), "zzz");
    expect(await screen.findByTestId("resident-empty")).toHaveTextContent("No resident matches “zzz”.");
    expect(rows()).toHaveLength(0);
  });

  it("shows a failed search translated, and retries", async () => {
    const { user } = await openResidents();
    tauriMock.fail("search_residents", "storage", "database is locked");
    await user.type(screen.getByTestId("resident-search"), "a");
    const alert = await screen.findByTestId("resident-search-error");
    expect(alert).toHaveTextContent("The search failed.");
    expect(alert).toHaveTextContent("Frontdesk couldn't read or write its data on this computer.");
    tauriMock.on("search_residents", page([hits[0]!]));
    await user.click(within(alert).getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(screen.queryByTestId("resident-search-error")).not.toBeInTheDocument());
    expect(rows()).toHaveLength(1);
  });

  it("moves with the arrow keys, Home/End, and opens with Enter", async () => {
    const { user } = await openResidents();
    expect(selectedRow()).toHaveAttribute("data-resident-id", "r-1");
    await user.keyboard("{ArrowDown}");
    expect(selectedRow()).toHaveAttribute("data-resident-id", "r-2");
    expect(screen.getByTestId("resident-search")).toHaveAttribute("aria-activedescendant", selectedRow()!.id);
    await user.keyboard("{ArrowDown}{ArrowDown}");
    expect(selectedRow()).toHaveAttribute("data-resident-id", "r-3"); // stays on the last
    await user.keyboard("{ArrowUp}");
    expect(selectedRow()).toHaveAttribute("data-resident-id", "r-2");
    // in the list itself Home/End jump to the ends
    await user.tab();
    expect(screen.getByRole("listbox")).toHaveFocus();
    await user.keyboard("{End}");
    expect(selectedRow()).toHaveAttribute("data-resident-id", "r-3");
    await user.keyboard("{Home}");
    expect(selectedRow()).toHaveAttribute("data-resident-id", "r-1");
  });

  it("opens the resident page with every field, and Escape returns with the query and selection kept", async () => {
    const { user } = await openResidents();
    await user.type(screen.getByTestId("resident-search"), "bél");
    await waitFor(() => expect(rows()).toHaveLength(2));
    await user.keyboard("{ArrowDown}{Enter}");

    const page = await screen.findByTestId("resident-detail");
    expect(tauriMock.callsOf("get_resident")).toEqual([{ id: "r-2" }]);
    expect(await within(page).findByTestId("resident-name")).toHaveTextContent("Hugo Bélanger");
    expect(within(page).getByTestId("resident-unit")).toHaveTextContent("804");
    expect(page).toHaveTextContent("Floor8");
    expect(page).toHaveTextContent("TypeCondo");
    expect(within(page).getByTestId("resident-email")).toHaveTextContent("hugo@example.com");
    expect(within(page).getByTestId("resident-phone")).toHaveTextContent("514-555-0102");
    expect(page).toHaveTextContent("Owner or tenantTenant");
    expect(page).toHaveTextContent("Primary residentNo");
    expect(page).toHaveTextContent("Preferred languageEnglish");
    expect(page).toHaveTextContent("Notification preferenceText message");
    expect(page).toHaveTextContent("Move-in dateMarch 15, 2022");
    expect(page).toHaveTextContent("Move-out dateJune 30, 2026");
    expect(page).toHaveTextContent("No notes.");
    const household = within(page).getAllByTestId("household-member");
    expect(household).toHaveLength(1);
    expect(household[0]).toHaveTextContent("Amélie Bélanger");

    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("resident-detail")).not.toBeInTheDocument();
    expect(screen.getByTestId("resident-search")).toHaveValue("bél");
    expect(screen.getByTestId("resident-search")).toHaveFocus();
    expect(selectedRow()).toHaveAttribute("data-resident-id", "r-2");
  });

  it("renders notes as text and opens household members; Back and Backspace return", async () => {
    const { user } = await openResidents();
    await user.keyboard("{Enter}");
    const page = await screen.findByTestId("resident-detail");
    await within(page).findByTestId("resident-name");
    expect(within(page).getByTestId("resident-notes").textContent).toBe("Parcels to the back door <b>please</b>");
    expect(page.querySelector("b")).toBeNull();
    expect(page).toHaveTextContent("Primary residentYes");
    expect(page).toHaveTextContent("Preferred languageFrench");
    expect(page).toHaveTextContent("Notification preferenceEmail");

    await user.click(within(page).getByTestId("household-member"));
    await waitFor(() => expect(screen.getByTestId("resident-name")).toHaveTextContent("Hugo Bélanger"));
    await user.click(screen.getByTestId("resident-back"));
    expect(screen.getByTestId("resident-search")).toHaveFocus();

    await user.keyboard("{Enter}");
    await screen.findByTestId("resident-name");
    await user.keyboard("{Backspace}");
    expect(screen.queryByTestId("resident-detail")).not.toBeInTheDocument();
  });

  it("focuses the search with / and Ctrl+K, from the list and from a resident page", async () => {
    const { user } = await openResidents();
    await user.tab();
    expect(screen.getByRole("listbox")).toHaveFocus();
    await user.keyboard("/");
    expect(screen.getByTestId("resident-search")).toHaveFocus();
    expect(screen.getByTestId("resident-search")).toHaveValue("");
    await user.keyboard("{Enter}");
    await screen.findByTestId("resident-name");
    await user.keyboard("{Control>}k{/Control}");
    expect(await screen.findByTestId("resident-search")).toHaveFocus();
  });

  it("keeps query, page and selection across sections; Residents again returns to the list", async () => {
    const { user } = await openResidents();
    await user.type(screen.getByTestId("resident-search"), "bél");
    await waitFor(() => expect(rows()).toHaveLength(2));
    await user.keyboard("{ArrowDown}{Enter}");
    await screen.findByTestId("resident-name");
    await user.keyboard("{Alt>}7{/Alt}");
    expect(screen.queryByTestId("resident-detail")).not.toBeInTheDocument();
    await user.keyboard("{Alt>}5{/Alt}");
    expect(await screen.findByTestId("resident-name")).toHaveTextContent("Hugo Bélanger");
    await user.click(screen.getByTestId("nav-residents"));
    expect(screen.getByTestId("resident-search")).toHaveValue("bél");
    expect(selectedRow()).toHaveAttribute("data-resident-id", "r-2");
  });

  it("refreshes the list and the open page on directory-changed", async () => {
    await openResidents();
    const before = tauriMock.callsOf("search_residents").length;
    tauriMock.on("search_residents", page([...hits, { ...hits[0]!, id: "r-4", first_name: "Zoé", last_name: "Roy" }]));
    tauriMock.emit("directory-changed", null);
    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(tauriMock.callsOf("search_residents")).toHaveLength(before + 1);
    expect(selectedRow()).toHaveAttribute("data-resident-id", "r-1");
  });

  it("says so when the open resident left the directory", async () => {
    const { user } = await openResidents();
    await user.keyboard("{Enter}");
    await screen.findByTestId("resident-name");
    tauriMock.fail("get_resident", "not_found");
    tauriMock.emit("directory-changed", null);
    expect(await screen.findByTestId("resident-error")).toHaveTextContent(
      "This resident is no longer in the directory.",
    );
    expect(screen.queryByTestId("resident-name")).not.toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.getByTestId("resident-search")).toHaveFocus();
  });
});
