import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { InstructionTarget } from "@/bindings/InstructionTarget";
import type { InstructionView } from "@/bindings/InstructionView";
import { bootstrap, instructionView } from "@/test/fixtures";
import { renderSignedInApp } from "@/test/render";
import { tauriMock } from "@/test/tauri";

const RESIDENT: InstructionTarget = { type: "resident", id: "r-1" };
const UNIT: InstructionTarget = { type: "unit", id: "unit-804" };

/** list_instructions answering from a per-target table, which tests change as they go. */
function instructionsByTarget(table: Record<string, InstructionView[]>) {
  tauriMock.on("list_instructions", (a: Record<string, unknown>) => {
    const t = a.target as InstructionTarget;
    return table[`${t.type}:${t.id}`] ?? [];
  });
  return table;
}

/** Open a resident's page; `table` answers list_instructions (mockDesk answers [] otherwise). */
async function openResident(table: Record<string, InstructionView[]> = {}, id = "r-1", boot = bootstrap()) {
  const r = await renderSignedInApp(boot);
  instructionsByTarget(table);
  await waitFor(() => expect(screen.getAllByTestId("resident-hit")).toHaveLength(3));
  const row = screen.getAllByTestId("resident-hit").find((el) => el.getAttribute("data-resident-id") === id)!;
  await r.user.click(row);
  await screen.findByTestId("resident-name");
  return r;
}

const residentSection = () => screen.getByTestId("instructions-resident");
const unitSection = () => screen.getByTestId("instructions-unit");

describe("standing instructions", () => {
  it("lists the resident's and the unit's instructions, as text with line breaks, who, when and pending", async () => {
    const otherStaff = "0190a0b0-0000-7000-8000-0000000000bb";
    await openResident({
      "resident:r-1": [
        instructionView("ins-1", RESIDENT, "Perishables: call first\n<b>then</b> leave at the door", { pending: true }),
      ],
      "unit:unit-804": [
        instructionView("ins-2", UNIT, "Dog in the unit: knock, don't enter", { updated_by: otherStaff }),
        instructionView("ins-3", UNIT, "Spare key with security"),
      ],
    });

    expect(tauriMock.callsOf("list_instructions")).toEqual(
      expect.arrayContaining([{ target: RESIDENT }, { target: UNIT }]),
    );
    const mine = await within(residentSection()).findAllByTestId("instruction");
    expect(mine).toHaveLength(1);
    expect(within(residentSection()).getByText("Instructions for this resident")).toBeInTheDocument();
    const body = within(mine[0]!).getByTestId("instruction-body");
    expect(body.textContent).toBe("Perishables: call first\n<b>then</b> leave at the door");
    expect(body).toHaveClass("whitespace-pre-wrap");
    expect(residentSection().querySelector("b")).toBeNull();
    expect(mine[0]).toHaveAttribute("data-pending", "true");
    expect(within(mine[0]!).getByTestId("instruction-pending")).toHaveTextContent("Waiting to sync");
    expect(within(mine[0]!).getByTestId("instruction-meta")).toHaveTextContent(/^Marie Tremblay · Mar 10, 2025/);

    expect(within(unitSection()).getByText("Instructions for unit 804")).toBeInTheDocument();
    const unitItems = await within(unitSection()).findAllByTestId("instruction");
    expect(unitItems.map((el) => el.getAttribute("data-instruction-id"))).toEqual(["ins-2", "ins-3"]);
    expect(unitItems[0]).toHaveAttribute("data-pending", "false");
    expect(within(unitItems[0]!).queryByTestId("instruction-pending")).not.toBeInTheDocument();
    expect(within(unitItems[0]!).getByTestId("instruction-meta")).toHaveTextContent(/^Another staff member · /);
  });

  it("has no unit section for a resident without a unit, and says when there are none", async () => {
    await openResident({}, "r-3");
    expect(await within(residentSection()).findByTestId("instructions-empty")).toHaveTextContent(
      "No standing instructions.",
    );
    expect(screen.queryByTestId("instructions-unit")).not.toBeInTheDocument();
    expect(tauriMock.callsOf("list_instructions")).toEqual([{ target: { type: "resident", id: "r-3" } }]);
  });

  it("adds from the keyboard: i opens the editor, Ctrl+Enter saves a new one, the list is fetched again", async () => {
    const table: Record<string, InstructionView[]> = {};
    const { user } = await openResident(table);
    await within(residentSection()).findByTestId("instructions-empty");
    expect(within(residentSection()).getByTestId("instruction-add")).toHaveAttribute("aria-keyshortcuts", "I");

    await user.keyboard("i");
    const textarea = within(residentSection()).getByTestId("instruction-text");
    expect(textarea).toHaveFocus();
    expect(textarea).toHaveValue(""); // the key that opened it is not typed
    await user.type(textarea, "Perishables:{Enter}call first");

    const before = tauriMock.callsOf("list_instructions").length;
    table["resident:r-1"] = [instructionView("ins-9", RESIDENT, "Perishables:\ncall first", { pending: true })];
    await user.keyboard("{Control>}{Enter}{/Control}");

    expect(tauriMock.callsOf("save_instruction")).toEqual([
      { id: null, target: RESIDENT, text: "Perishables:\ncall first" },
    ]);
    const item = await within(residentSection()).findByTestId("instruction");
    expect(item).toHaveAttribute("data-pending", "true");
    expect(within(item).getByText("Waiting to sync")).toBeInTheDocument();
    expect(tauriMock.callsOf("list_instructions").length).toBeGreaterThan(before);
    expect(screen.queryByTestId("instruction-text")).not.toBeInTheDocument();
    expect(within(residentSection()).getByTestId("instruction-add")).toHaveFocus();
    expect(screen.getByTestId("resident-detail")).toBeInTheDocument();
  });

  it("u opens the unit's editor; Escape cancels without saving and stays on the page", async () => {
    const { user } = await openResident();
    await within(unitSection()).findByTestId("instructions-empty");
    await user.keyboard("u");
    const textarea = within(unitSection()).getByTestId("instruction-text");
    expect(textarea).toHaveFocus();
    await user.type(textarea, "Never mind");
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("instruction-text")).not.toBeInTheDocument();
    expect(screen.getByTestId("resident-detail")).toBeInTheDocument();
    expect(within(unitSection()).getByTestId("instruction-add")).toHaveFocus();
    expect(tauriMock.callsOf("save_instruction")).toHaveLength(0);
  });

  it("edits with the existing id and target", async () => {
    const { user } = await openResident({ "unit:unit-804": [instructionView("ins-2", UNIT, "Dog in the unit")] });
    const item = await within(unitSection()).findByTestId("instruction");
    await user.click(within(item).getByTestId("instruction-edit"));
    const textarea = within(unitSection()).getByTestId("instruction-text");
    expect(textarea).toHaveValue("Dog in the unit");
    expect(textarea).toHaveFocus();
    await user.type(textarea, ": knock first");
    await user.click(within(unitSection()).getByTestId("instruction-save"));
    expect(tauriMock.callsOf("save_instruction")).toEqual([
      { id: "ins-2", target: UNIT, text: "Dog in the unit: knock first" },
    ]);
    await waitFor(() => expect(screen.queryByTestId("instruction-text")).not.toBeInTheDocument());
    expect(within(unitSection()).getByTestId("instruction-edit")).toHaveFocus();
  });

  it("asks before deleting: Escape keeps it, Enter deletes", async () => {
    const table = { "resident:r-1": [instructionView("ins-1", RESIDENT, "Call first")] };
    const { user } = await openResident(table);
    const item = await within(residentSection()).findByTestId("instruction");

    await user.click(within(item).getByTestId("instruction-delete"));
    expect(within(item).getByTestId("instruction-delete-confirm")).toHaveFocus();
    expect(item).toHaveTextContent("Delete this instruction?");
    await user.keyboard("{Escape}");
    expect(within(item).queryByTestId("instruction-delete-confirm")).not.toBeInTheDocument();
    expect(within(item).getByTestId("instruction-delete")).toHaveFocus();
    expect(screen.getByTestId("resident-detail")).toBeInTheDocument(); // Escape did not leave the page
    expect(tauriMock.callsOf("delete_instruction")).toHaveLength(0);

    await user.keyboard("{Enter}"); // on the Delete button: asks again
    expect(within(item).getByTestId("instruction-delete-confirm")).toHaveFocus();
    table["resident:r-1"] = [];
    await user.keyboard("{Enter}");
    expect(tauriMock.callsOf("delete_instruction")).toEqual([{ id: "ins-1" }]);
    expect(await within(residentSection()).findByTestId("instructions-empty")).toBeInTheDocument();
    expect(within(residentSection()).getByTestId("instruction-add")).toHaveFocus();
  });

  it("shows a refused save translated with the desk's message, and keeps the text", async () => {
    const { user } = await openResident();
    await within(residentSection()).findByTestId("instructions-empty");
    await user.click(within(residentSection()).getByTestId("instruction-add"));
    await user.type(screen.getByTestId("instruction-text"), "   ");
    tauriMock.fail("save_instruction", "invalid_input", "the instruction text must not be empty");
    await user.keyboard("{Control>}{Enter}{/Control}");
    const alert = await screen.findByTestId("instruction-error");
    expect(alert).toHaveTextContent("The instruction could not be saved.");
    expect(alert).toHaveTextContent("Some of the information isn't valid.");
    expect(alert).toHaveTextContent("Details: the instruction text must not be empty");
    expect(screen.getByTestId("instruction-text")).toHaveValue("   ");
    expect(screen.getByTestId("instruction-text")).toHaveFocus();
  });

  it("shows a failed delete translated", async () => {
    const { user } = await openResident({ "resident:r-1": [instructionView("ins-1", RESIDENT, "Call first")] });
    const item = await within(residentSection()).findByTestId("instruction");
    tauriMock.fail("delete_instruction", "not_found", "no instruction ins-1");
    await user.click(within(item).getByTestId("instruction-delete"));
    await user.click(within(item).getByTestId("instruction-delete-confirm"));
    const alert = await within(residentSection()).findByTestId("instruction-delete-error");
    expect(alert).toHaveTextContent("The instruction could not be deleted.");
    expect(alert).toHaveTextContent("Not found.");
    expect(alert).toHaveTextContent("Details: no instruction ins-1");
  });

  it("counts characters near the 2000 limit", async () => {
    const { user } = await openResident();
    await within(residentSection()).findByTestId("instructions-empty");
    await user.keyboard("i");
    const textarea = screen.getByTestId("instruction-text");
    fireEvent.change(textarea, { target: { value: "a".repeat(1700) } });
    expect(screen.queryByTestId("instruction-counter")).not.toBeInTheDocument();
    fireEvent.change(textarea, { target: { value: "é".repeat(1850) } });
    expect(screen.getByTestId("instruction-counter")).toHaveTextContent("1850 / 2000 characters");
    fireEvent.change(textarea, { target: { value: `${"a".repeat(2001)}  ` } });
    expect(screen.getByTestId("instruction-counter")).toHaveTextContent("2001 / 2000 characters — too long");
    expect(textarea).toHaveAttribute("aria-invalid", "true");
  });

  it("refreshes on instructions-changed", async () => {
    const table: Record<string, InstructionView[]> = {};
    await openResident(table);
    await within(unitSection()).findByTestId("instructions-empty");
    table["unit:unit-804"] = [instructionView("ins-5", UNIT, "Pulled from the server")];
    tauriMock.emit("instructions-changed", null);
    expect(await within(unitSection()).findByText("Pulled from the server")).toBeInTheDocument();
  });

  it("shows a failed list translated, with retry", async () => {
    tauriMock.on("list_instructions", []);
    const r = await renderSignedInApp();
    tauriMock.fail("list_instructions", "storage", "database is locked");
    await waitFor(() => expect(screen.getAllByTestId("resident-hit")).toHaveLength(3));
    await r.user.click(screen.getAllByTestId("resident-hit")[2]!);
    const alert = await within(await screen.findByTestId("instructions-resident")).findByTestId("instructions-error");
    expect(alert).toHaveTextContent("The instructions could not be loaded.");
    expect(alert).toHaveTextContent("Frontdesk couldn't read or write its data on this computer.");
    tauriMock.on("list_instructions", []);
    await r.user.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await within(residentSection()).findByTestId("instructions-empty")).toBeInTheDocument();
  });

  it("keeps the text being edited when the instruction disappears on a refresh", async () => {
    const table = { "resident:r-1": [instructionView("ins-1", RESIDENT, "Call first")] };
    const { user } = await openResident(table);
    const item = await within(residentSection()).findByTestId("instruction");
    await user.click(within(item).getByTestId("instruction-edit"));
    await user.type(screen.getByTestId("instruction-text"), " please");
    table["resident:r-1"] = [];
    tauriMock.emit("instructions-changed", null);
    await waitFor(() => expect(within(residentSection()).queryByTestId("instruction")).not.toBeInTheDocument());
    expect(screen.getByTestId("instruction-text")).toHaveValue("Call first please");
  });

  it("speaks Québec French: Consignes", async () => {
    const table = { "resident:r-1": [instructionView("ins-1", RESIDENT, "Appeler", { pending: true })] };
    await openResident(table, "r-1", bootstrap({ language: "fr" }));
    expect(await within(residentSection()).findByText("Consignes pour ce résident")).toBeInTheDocument();
    expect(within(unitSection()).getByText("Consignes pour l'unité 804")).toBeInTheDocument();
    expect(await within(residentSection()).findByText("En attente de synchro")).toBeInTheDocument();
    expect(within(residentSection()).getByTestId("instruction-add")).toHaveTextContent("Ajouter une consigne");
  });
});
