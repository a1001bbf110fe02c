import { useEffect } from "preact/hooks"
import { useBrand } from "../lib/context"

/** Set the document title: "<page> · <brand>" (the brand alone on the home page). */
export const useTitle = (page: string | null): void => {
  const brand = useBrand()
  useEffect(() => {
    document.title = page === null ? brand.name : `${page} · ${brand.name}`
  }, [page, brand.name])
}
