// The Packages section: the list of parcels and a parcel's page.
import { useCallback, useEffect, useState } from "react";
import { desk } from "@/api/desk";
import type { CarrierOption } from "@/bindings/CarrierOption";
import type { StaffRole } from "@/bindings/StaffRole";
import { PackageDetailView } from "./PackageDetailView";
import { PackageList, type ReturnFocus } from "./PackageList";

export interface PackagesScreenProps {
  staffRole: StaffRole;
  /** The parcel whose page is open (null: the list). Controlled when `onOpenPackage` is given. */
  openPackageId?: string | null;
  /** Opening a parcel's page (an id) or going back to the list (null). */
  onOpenPackage?: (id: string | null) => void;
  /** Hand a parcel over on the Pickup screen; without it the page offers no such button. */
  onHandOver?: (id: string) => void;
}

export function PackagesScreen({ staffRole, openPackageId, onOpenPackage, onHandOver }: PackagesScreenProps) {
  const controlled = onOpenPackage !== undefined;
  const [localOpenId, setLocalOpenId] = useState<string | null>(openPackageId ?? null);
  const [carriers, setCarriers] = useState<CarrierOption[]>([]);
  const [returnFocus, setReturnFocus] = useState<ReturnFocus>("row");

  // Uncontrolled but told which parcel to show: follow the prop when it changes.
  useEffect(() => {
    if (!controlled && openPackageId !== undefined) setLocalOpenId(openPackageId);
  }, [controlled, openPackageId]);

  const openId = controlled ? (openPackageId ?? null) : localOpenId;
  const setOpenId = useCallback(
    (id: string | null) => (onOpenPackage ? onOpenPackage(id) : setLocalOpenId(id)),
    [onOpenPackage],
  );

  useEffect(() => {
    let gone = false;
    desk.listCarriers().then(
      (list) => {
        if (!gone) setCarriers(list);
      },
      (err: unknown) => console.error("could not list the carriers", err),
    );
    return () => {
      gone = true;
    };
  }, []);

  const open = useCallback((id: string) => setOpenId(id), [setOpenId]);
  const back = useCallback(
    (focus: ReturnFocus = "row") => {
      setReturnFocus(focus);
      setOpenId(null);
    },
    [setOpenId],
  );

  return (
    <div className="h-full" data-testid="packages-screen">
      <PackageList
        active={openId === null}
        openId={openId}
        carriers={carriers}
        onOpen={open}
        returnFocus={returnFocus}
      />
      {openId !== null && (
        <PackageDetailView
          key={openId}
          id={openId}
          staffRole={staffRole}
          carriers={carriers}
          onBack={back}
          onHandOver={onHandOver}
        />
      )}
    </div>
  );
}
