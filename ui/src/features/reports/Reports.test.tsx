import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ReportRequest } from "@/bindings/ReportRequest";
import { bootstrap, packageReport } from "@/test/fixtures";
import { renderSignedInApp } from "@/test/render";
import { tauriMock } from "@/test/tauri";

const DOWNLOADS_FILE = "C:\\Users\\desk\\Downloads\\frontdesk-parcels-by-day-20261106-120000.csv";

async function openReports(boot = bootstrap()) {
  const r = await renderSignedInApp(boot);
  await r.user.click(screen.getByTestId("nav-reports"));
  await screen.findByTestId("report");
  return r;
}

const requests = () => tauriMock.callsOf("package_report").map((a) => a?.request as ReportRequest);
const lastRequest = () => requests()[requests().length - 1]!;
const rowsOf = (testId: string) =>
  within(screen.getByTestId(testId))
    .getAllByRole("row")
    .slice(1)
    .map((r) => r.textContent);

/** Local midnight `days` days from today. */
function midnight(days: number): number {
  const now = new Date();
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() + days).getTime();
}

describe("reports", () => {
  it("asks for the last 7 days in this desk's zone and renders the report's figures", async () => {
    await openReports();
    expect(screen.getByRole("heading", { name: "Reports", level: 1 })).toHaveFocus();
    expect(requests()).toEqual([
      {
        from_ms: midnight(-6),
        to_ms: midnight(1),
        time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
        waiting_days: null,
      },
    ]);
    expect(screen.getByTestId("report-summary")).toHaveTextContent(
      "6 parcels taken in from October 31, 2026 to November 2, 2026",
    );
    expect(rowsOf("table-by-day")).toEqual(["October 31, 20261", "November 1, 20263", "November 2, 20262"]);
    const days = within(screen.getByTestId("chart-by-day"));
    expect(screen.getByRole("img", { name: /parcels taken in per day/ })).toBe(screen.getByTestId("chart-by-day"));
    expect(days.getByText("Nov 1: 3 parcels")).toBeInTheDocument();
    expect(rowsOf("table-by-carrier")).toEqual(["UPS2", "Canada Post1", "Unknown carrier1"]);
    expect(within(screen.getByTestId("chart-by-carrier")).getByText("Unknown carrier: 1 parcel")).toBeInTheDocument();
    expect(screen.getByTestId("pickup-count")).toHaveTextContent("4");
    expect(screen.getByTestId("pickup-median")).toHaveTextContent("2 hrs");
    expect(screen.getByTestId("pickup-p90")).toHaveTextContent("7 days");
    expect(screen.getByRole("heading", { name: "On the shelf for more than 3 days" })).toBeInTheDocument();
    const overdue = within(screen.getByTestId("table-overdue")).getAllByRole("row").slice(1);
    expect(overdue).toHaveLength(2);
    expect(overdue[0]).toHaveTextContent(/CCCC-0003.*804.*Amélie Bélanger.*Unknown carrier.*B.*Waiting.*5 days/);
    expect(overdue[1]).toHaveTextContent(/QQQQ-0010.*Hugo Bélanger.*DHL.*Notified.*Waiting to sync.*3 days/);
    expect(rowsOf("table-by-staff")).toEqual(["Marie Tremblay5", "Unknown staff member (staff-gone)1"]);
    // The threshold field shows the desk's default until staff type their own.
    expect(screen.getByTestId("report-waiting-days")).toHaveAttribute("placeholder", "3");
  });

  it("asks again when the period or the threshold changes", async () => {
    const { user } = await openReports();
    await user.selectOptions(screen.getByTestId("report-period"), "today");
    await waitFor(() => expect(requests()).toHaveLength(2));
    expect(lastRequest()).toMatchObject({ from_ms: midnight(0), to_ms: midnight(1) });
    await user.selectOptions(screen.getByTestId("report-period"), "last30");
    await waitFor(() => expect(requests()).toHaveLength(3));
    expect(lastRequest()).toMatchObject({ from_ms: midnight(-29), to_ms: midnight(1) });

    await user.selectOptions(screen.getByTestId("report-period"), "custom");
    const from = screen.getByTestId("report-from");
    await user.clear(from);
    await user.type(from, "2026-10-31");
    const to = screen.getByTestId("report-to");
    await user.clear(to);
    await user.type(to, "2026-11-02");
    await waitFor(() =>
      expect(lastRequest()).toMatchObject({
        from_ms: new Date(2026, 9, 31).getTime(),
        to_ms: new Date(2026, 10, 3).getTime(),
      }),
    );
    // Reversed dates are not sent; staff are told why.
    const asked = requests().length;
    await user.clear(to);
    await user.type(to, "2026-10-01");
    expect(await screen.findByTestId("report-dates-invalid")).toHaveTextContent(
      "Choose a start date on or before the end date.",
    );
    expect(requests()).toHaveLength(asked);

    await user.type(screen.getByTestId("report-waiting-days"), "x");
    expect(screen.getByTestId("report-waiting-days")).toHaveAttribute("aria-invalid", "true");
    expect(requests()).toHaveLength(asked);
    await user.clear(to);
    await user.type(to, "2026-11-02");
    await user.clear(screen.getByTestId("report-waiting-days"));
    await user.type(screen.getByTestId("report-waiting-days"), "5");
    await waitFor(() => expect(lastRequest()).toMatchObject({ waiting_days: 5 }));
  });

  it("computes the report again when parcels change", async () => {
    await openReports();
    tauriMock.on("package_report", packageReport({ received: 7 }));
    tauriMock.emit("packages-changed", null);
    expect(await screen.findByText(/7 parcels taken in/)).toBeInTheDocument();
    expect(requests()).toHaveLength(2);
  });

  it("exports a table from the keyboard and shows where the file went", async () => {
    const { user } = await openReports();
    tauriMock.on("export_report_csv", DOWNLOADS_FILE);
    const button = screen.getByRole("button", { name: "Export CSV: Parcels per day" });
    button.focus();
    await user.keyboard("{Enter}");
    expect(await screen.findByTestId("export-by_day-saved")).toHaveTextContent(`Saved to ${DOWNLOADS_FILE}`);
    expect(tauriMock.callsOf("export_report_csv")).toEqual([{ request: requests()[0], table: "by_day" }]);
  });

  it("says when an export failed", async () => {
    const { user } = await openReports();
    tauriMock.fail("export_report_csv", "storage", "Downloads: permission denied");
    await user.click(screen.getByTestId("export-overdue"));
    const alert = await screen.findByTestId("export-overdue-failed");
    expect(alert).toHaveTextContent("The CSV file could not be saved.");
    expect(alert).toHaveTextContent("Frontdesk couldn't read or write its data on this computer.");
    expect(screen.queryByTestId("export-overdue-saved")).not.toBeInTheDocument();
  });

  it("shows a report that failed, translated, and tries again", async () => {
    const r = await renderSignedInApp();
    tauriMock.fail("package_report", "invalid_input", "unknown time zone \"Mars/Base\"");
    await r.user.click(screen.getByTestId("nav-reports"));
    const alert = await screen.findByTestId("report-error");
    expect(alert).toHaveTextContent("The report could not be computed.");
    expect(alert).toHaveTextContent("Some of the information isn't valid.");
    expect(alert).toHaveTextContent("unknown time zone");
    expect(screen.queryByTestId("report")).not.toBeInTheDocument();
    tauriMock.on("package_report", packageReport());
    await r.user.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByTestId("report")).toBeInTheDocument();
    expect(screen.queryByTestId("report-error")).not.toBeInTheDocument();
  });

  it("says when no parcel came or went in the period, and still lists those waiting", async () => {
    tauriMock.on("package_report", packageReport());
    const r = await renderSignedInApp();
    tauriMock.on(
      "package_report",
      packageReport({
        received: 0,
        by_day: [{ date: "2026-10-10", start_ms: 0, parcels: 0 }],
        by_carrier: [],
        by_staff: [],
        pickup: { parcels: 0, median_ms: null, p90_ms: null },
      }),
    );
    await r.user.click(screen.getByTestId("nav-reports"));
    expect(await screen.findByTestId("report-empty")).toHaveTextContent("No parcels in this period");
    expect(screen.queryByTestId("chart-by-day")).not.toBeInTheDocument();
    expect(screen.getByTestId("table-overdue")).toHaveTextContent("CCCC-0003");
  });

  it("renders in French", async () => {
    await openReports(bootstrap({ language: "fr" }));
    expect(screen.getByRole("heading", { name: "Rapports", level: 1 })).toBeInTheDocument();
    expect(screen.getByTestId("report-summary")).toHaveTextContent("6 colis reçus du 31 octobre 2026 au 2 novembre 2026");
    expect(rowsOf("table-by-day")[0]).toBe("31 octobre 20261");
    expect(rowsOf("table-by-carrier")[2]).toBe("Transporteur inconnu1");
    expect(screen.getByTestId("pickup-median")).toHaveTextContent("2 h");
    expect(screen.getByTestId("pickup-p90")).toHaveTextContent("7 j");
    expect(screen.getByRole("heading", { name: "Sur la tablette depuis plus de 3 jours" })).toBeInTheDocument();
    expect(within(screen.getByTestId("table-overdue")).getAllByRole("row")[1]).toHaveTextContent(/En attente.*5 jours/);
    expect(screen.getByRole("button", { name: "Exporter en CSV : Colis par jour" })).toHaveTextContent("Exporter en CSV");
  });
});
