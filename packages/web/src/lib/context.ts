import { createContext } from "preact"
import { useContext } from "preact/hooks"
import { type Brand, BUILTIN_BRAND } from "./brand"

/** The brand in use; provided once by the app shell. */
export const BrandContext = createContext<Brand>(BUILTIN_BRAND)

export const useBrand = (): Brand => useContext(BrandContext)

/** The brand id to send with summary triggers (rate-limit bucket); none for the built-in look. */
export const brandParam = (brand: Brand): string | undefined =>
  brand === BUILTIN_BRAND ? undefined : brand.id
