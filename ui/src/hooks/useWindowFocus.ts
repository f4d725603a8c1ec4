import { useEffect, useState } from "react";

/** Whether this window has the focus and is shown (staff can see what is in it). */
export function isWindowAttended(): boolean {
  return document.hasFocus() && document.visibilityState !== "hidden";
}

/** {@link isWindowAttended}, kept up to date as the window gains and loses focus. */
export function useWindowFocus(): boolean {
  const [attended, setAttended] = useState(isWindowAttended);
  useEffect(() => {
    const update = () => setAttended(isWindowAttended());
    window.addEventListener("focus", update);
    window.addEventListener("blur", update);
    document.addEventListener("visibilitychange", update);
    return () => {
      window.removeEventListener("focus", update);
      window.removeEventListener("blur", update);
      document.removeEventListener("visibilitychange", update);
    };
  }, []);
  return attended;
}
