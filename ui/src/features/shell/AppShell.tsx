import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { desk } from "@/api/desk";
import type { LanguageSetting } from "@/api/desk";
import type { SessionStorage } from "@/bindings/SessionStorage";
import type { SignedIn } from "@/bindings/SignedIn";
import type { SyncStatus } from "@/bindings/SyncStatus";
import { IntakeScreen } from "@/features/intake/IntakeScreen";
import { useMessageNotifications, useUnreadTotal } from "@/features/messaging/attention";
import { MessagesScreen } from "@/features/messaging/MessagesScreen";
import { PackagesScreen } from "@/features/packages/PackagesScreen";
import { PickupScreen } from "@/features/pickup/PickupScreen";
import { ReportsScreen } from "@/features/reports/ReportsScreen";
import { ResidentsScreen, initialResidentsState, type ResidentsState } from "@/features/residents/ResidentsScreen";
import { useScanHandler } from "@/features/scanner/ScannerContext";
import { SettingsScreen } from "@/features/settings/SettingsScreen";
import { SyncPanel } from "@/features/sync/SyncPanel";
import { NavSidebar } from "./NavSidebar";
import { Placeholder } from "./Placeholder";
import { sectionForShortcut, type SectionId } from "./sections";
import { StatusBar } from "./StatusBar";

export interface AppShellProps {
  signedIn: SignedIn;
  status: SyncStatus;
  serverUrl: string;
  sessionStorage: SessionStorage;
  language: LanguageSetting;
  onLanguageChange: (language: LanguageSetting) => void;
  onSignedOut: () => void;
  onSignInAgain: () => void;
  onStatus: (status: SyncStatus) => void;
}

export function AppShell(props: AppShellProps) {
  const { signedIn, status } = props;
  const [section, setSection] = useState<SectionId>("residents");
  // Kept here so the query, the results and the selection survive a trip to another section.
  const [residents, setResidents] = useState<ResidentsState>(initialResidentsState);
  const [syncOpen, setSyncOpen] = useState(false);
  // A scan made outside Intake and Pickup looks the parcel up on Pickup.
  const [pickupScan, setPickupScan] = useState<string | null>(null);
  const [openPackageId, setOpenPackageId] = useState<string | null>(null);
  const [openConversationId, setOpenConversationId] = useState<string | null>(null);
  const { t } = useTranslation();
  const unread = useUnreadTotal();
  useMessageNotifications(t);

  useScanHandler(
    (text) => {
      setPickupScan(text);
      setSection("pickup");
    },
    { fallback: true },
  );

  const handOver = (id: string) => {
    desk.getPackage(id).then(
      (detail) => {
        setPickupScan(detail.view.package.code);
        setSection("pickup");
      },
      (err: unknown) => console.error("could not read the parcel to hand over", err),
    );
  };

  const openPackage = (id: string) => {
    setOpenPackageId(id);
    setSection("packages");
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = sectionForShortcut(e);
      if (target) {
        e.preventDefault();
        setSection(target);
      } else if (isSyncShortcut(e)) {
        e.preventDefault();
        setSyncOpen((open) => !open);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const navigate = (id: SectionId) => {
    // Residents again while a resident page is open: back to the list.
    if (id === "residents" && section === "residents") setResidents((s) => ({ ...s, openId: null }));
    setSection(id);
  };

  let content;
  switch (section) {
    case "intake":
      content = <IntakeScreen onOpenPackage={openPackage} onOpenSettings={() => setSection("settings")} />;
      break;
    case "pickup":
      content = (
        <PickupScreen initialScan={pickupScan} onInitialScanUsed={() => setPickupScan(null)} onOpenPackage={openPackage} />
      );
      break;
    case "packages":
      content = (
        <PackagesScreen
          staffRole={signedIn.staff.role}
          openPackageId={openPackageId}
          onOpenPackage={setOpenPackageId}
          onHandOver={handOver}
        />
      );
      break;
    case "residents":
      content = (
        <ResidentsScreen
          state={residents}
          onStateChange={setResidents}
          staff={{ id: signedIn.staff.id, name: signedIn.staff.name }}
        />
      );
      break;
    case "messages":
      content = (
        <MessagesScreen
          meId={signedIn.staff.id}
          status={status}
          openId={openConversationId}
          onOpenChange={setOpenConversationId}
        />
      );
      break;
    case "reports":
      content = <ReportsScreen />;
      break;
    case "settings":
      content = (
        <SettingsScreen
          signedIn={signedIn}
          serverUrl={props.serverUrl}
          sessionStorage={props.sessionStorage}
          language={props.language}
          onLanguageChange={props.onLanguageChange}
          onSignedOut={props.onSignedOut}
          status={status}
          onOpenSync={() => setSyncOpen(true)}
        />
      );
      break;
    default:
      content = <Placeholder id={section} />;
  }

  return (
    <div data-testid="app-ready" className="flex h-full flex-col">
      <div className="flex min-h-0 flex-1">
        <NavSidebar active={section} onNavigate={navigate} signedIn={signedIn} badges={{ messages: unread }} />
        <main className="min-w-0 flex-1 overflow-hidden" data-section={section}>
          {content}
        </main>
      </div>
      <StatusBar
        status={status}
        onSignInAgain={props.onSignInAgain}
        onStatus={props.onStatus}
        onOpenSync={() => setSyncOpen(true)}
      />
      {syncOpen && (
        <SyncPanel
          status={status}
          onStatus={props.onStatus}
          currentStaffId={signedIn.staff.id}
          onClose={() => setSyncOpen(false)}
        />
      )}
    </div>
  );
}

/** Alt+S (by physical key, so it also works where Alt+S types a character). */
function isSyncShortcut(e: KeyboardEvent): boolean {
  if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return false;
  return e.code === "KeyS" || e.key.toLowerCase() === "s";
}
