import type { BrandConfigResponse } from "@ventureos/api-contract"
import { ApiError, api, type RuntimeConfig } from "./api"
import {
  BLACK,
  contrast,
  ensureContrast,
  ensureContrastAll,
  mix,
  parseHex,
  type Rgb,
  readableOn,
  toHex,
  WHITE
} from "./color"
import { isBrandId } from "./ids"

/** A brand's site configuration as the API serves it. */
export type Brand = BrandConfigResponse

/** Where the brand in use came from (shown nowhere; useful when debugging a deploy). */
export type BrandSource = "override" | "host" | "default" | "first" | "builtin"

/**
 * The look used when no brand can be found: the product's own neutral palette. It is data like any
 * brand, never referenced by name in components.
 */
export const BUILTIN_BRAND = {
  id: "default",
  name: "VentureOS",
  domain: null,
  colors: {
    primary: "#1f4e79",
    secondary: "#33415c",
    accent: "#c2410c",
    background: "#ffffff",
    text: "#1b1f24"
  },
  layout: "dashboard",
  navigation: [{ label: "Search", href: "/search" }],
  agencies: ["osha", "epa", "faa"],
  updated_at: "2026-01-01T00:00:00.000Z"
} as unknown as Brand

const attempt = async <A>(f: () => Promise<A>, what: string): Promise<A | undefined> => {
  try {
    return await f()
  } catch (e) {
    // a route this API does not have yet, or no brand under that name: try the next source quietly
    if (!(e instanceof ApiError && (e.failure === "not-found" || e.failure === "missing-endpoint")))
      console.warn(`brand: ${what} failed`, e)
    return undefined
  }
}

/**
 * Brand resolution, first hit wins: `?brand=<id>` (an override for previews and the switcher), the brand
 * registered for this host (`GET /api/brand?host=`), config.json's `defaultBrand`, the first brand of
 * `GET /api/brands`, else {@link BUILTIN_BRAND}.
 */
export const resolveBrand = async (
  override: string | null,
  config: RuntimeConfig,
  host: string
): Promise<{ brand: Brand; source: BrandSource }> => {
  if (override !== null && override !== "") {
    if (!isBrandId(override)) console.warn(`brand: ignoring malformed ?brand=${JSON.stringify(override)}`)
    else {
      const b = await attempt(() => api.brandConfig(override), `?brand=${override}`)
      if (b !== undefined) return { brand: b, source: "override" }
      console.warn(`brand: no brand ${JSON.stringify(override)}; using the site's own`)
    }
  }
  // Brands register bare domains; a dev or test server adds a port: ask with it, then without.
  const bare = host.replace(/:\d+$/, "")
  const byHost =
    (await attempt(() => api.brandForHost(host), `host ${host}`)) ??
    (bare !== host ? await attempt(() => api.brandForHost(bare), `host ${bare}`) : undefined)
  if (byHost !== undefined) return { brand: byHost, source: "host" }
  if (config.defaultBrand !== undefined && isBrandId(config.defaultBrand)) {
    const id = config.defaultBrand
    const b = await attempt(() => api.brandConfig(id), `defaultBrand ${id}`)
    if (b !== undefined) return { brand: b, source: "default" }
  }
  const list = await attempt(() => api.brands(), "brand list")
  const first = list?.[0]
  if (first !== undefined) {
    const b = first.config ?? (await attempt(() => api.brandConfig(first.id), `brand ${first.id}`))
    if (b !== undefined) return { brand: b, source: "first" }
  }
  return { brand: BUILTIN_BRAND, source: "builtin" }
}

/** The CSS custom properties of a brand, every text/background pair at WCAG AA (4.5:1) or better. */
export interface Theme {
  readonly vars: Readonly<Record<string, string>>
  /** What had to be corrected, one line each (also logged with console.warn). */
  readonly corrections: ReadonlyArray<string>
}

const rgb = (hex: string, fallback: Rgb): Rgb => parseHex(hex) ?? fallback

/** Derive the site's colour tokens from a brand's five colours. */
export const themeOf = (brand: Brand): Theme => {
  const corrections: Array<string> = []
  const c = brand.colors
  let bg = rgb(c.background, [255, 255, 255])
  // A mid-tone background leaves no room for AA text on it and on the cards drawn a shade off it (neither
  // black nor white reaches 6:1): lighten or darken it until one does, and say so.
  const headroom = (b: Rgb) => Math.max(contrast(BLACK, b), contrast(WHITE, b))
  if (headroom(bg) < 6) {
    const towards = contrast(BLACK, bg) >= contrast(WHITE, bg) ? WHITE : BLACK
    let t = 0
    let out = bg
    while (headroom(out) < 6 && t < 1) {
      t = Math.min(1, t + 0.02)
      out = parseHex(toHex(mix(bg, towards, t)))!
    }
    corrections.push(
      `background ${c.background} is a mid-tone (best text contrast ${headroom(bg).toFixed(2)}:1): using ${toHex(out)}`
    )
    bg = out
  }
  let text = rgb(c.text, [27, 31, 36])
  if (contrast(text, bg) < 4.5) {
    const fixed = readableOn(bg)
    corrections.push(
      `text ${c.text} on background ${c.background} is ${contrast(text, bg).toFixed(2)}:1 (below 4.5:1): using ${toHex(fixed)}`
    )
    text = fixed
  }
  const primary = rgb(c.primary, [31, 78, 121])
  const secondary = rgb(c.secondary, [51, 65, 92])
  const accent = rgb(c.accent, [194, 65, 12])
  // Cards and table stripes sit on a surface a little off the background.
  const surface = mix(bg, text, 0.045)
  const surfaceAlt = mix(bg, text, 0.09)
  // Body text also sits on cards (tinted towards the text colour): keep it at AA there too.
  const onCards = ensureContrastAll(text, [bg, surface, surfaceAlt])
  if (toHex(onCards) !== toHex(text)) {
    corrections.push(`text ${toHex(text)} adjusted to ${toHex(onCards)} for 4.5:1 on cards`)
    text = onCards
  }
  // Links are the brand's primary, shaded until readable on both the background and cards.
  const onBoth = (fg: Rgb, name: string): Rgb => {
    const out = ensureContrastAll(fg, [bg, surfaceAlt])
    if (toHex(out) !== toHex(fg))
      corrections.push(`${name} ${toHex(fg)} adjusted to ${toHex(out)} for 4.5:1 on the page background`)
    return out
  }
  const link = onBoth(primary, "link colour (primary)")
  const accentText = onBoth(accent, "accent text")
  // Buttons and the header are filled with the brand colour; their text is whichever of dark/white reads.
  const onPrimary = readableOn(primary)
  const onSecondary = readableOn(secondary)
  const muted = ensureContrastAll(mix(text, bg, 0.3), [bg, surface, surfaceAlt])
  // Focus rings and chart strokes are non-text: 3:1 (WCAG 1.4.11) against the background.
  const focus = ensureContrast(accent, bg, 3)
  const border = ensureContrast(mix(bg, text, 0.25), bg, 1.6)
  const vars: Record<string, string> = {
    "--vo-primary": toHex(primary),
    "--vo-on-primary": toHex(onPrimary),
    "--vo-secondary": toHex(secondary),
    "--vo-on-secondary": toHex(onSecondary),
    "--vo-accent": toHex(accent),
    "--vo-accent-text": toHex(accentText),
    "--vo-background": toHex(bg),
    "--vo-text": toHex(text),
    "--vo-muted": toHex(muted),
    "--vo-link": toHex(link),
    "--vo-focus": toHex(focus),
    "--vo-surface": toHex(surface),
    "--vo-surface-alt": toHex(surfaceAlt),
    "--vo-border": toHex(border),
    "--vo-chart-1": toHex(ensureContrast(primary, bg, 3)),
    "--vo-chart-2": toHex(ensureContrast(accent, bg, 3)),
    "--vo-chart-3": toHex(ensureContrast(secondary, bg, 3)),
    "--vo-chart-4": toHex(ensureContrast(mix(primary, accent, 0.5), bg, 3))
  }
  return { vars, corrections }
}

/** Apply a brand to the document: CSS custom properties, colour-scheme and theme-color. */
export const applyBrand = (brand: Brand): Theme => {
  const theme = themeOf(brand)
  const root = document.documentElement
  for (const [k, v] of Object.entries(theme.vars)) root.style.setProperty(k, v)
  const dark =
    (parseHex(theme.vars["--vo-background"] ?? "#fff") ?? [255, 255, 255]).reduce((a, b) => a + b, 0) < 384
  root.style.colorScheme = dark ? "dark" : "light"
  root.dataset.brand = brand.id
  root.dataset.layout = brand.layout
  let meta = document.querySelector<HTMLMetaElement>('meta[name="theme-color"]')
  if (meta === null) {
    meta = document.createElement("meta")
    meta.name = "theme-color"
    document.head.append(meta)
  }
  meta.content = brand.colors.primary
  for (const line of theme.corrections) console.warn(`brand ${brand.id}: ${line}`)
  return theme
}
