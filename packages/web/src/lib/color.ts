/*
 * WCAG 2.x colour arithmetic: relative luminance, contrast ratio, and shading a colour towards black or
 * white until it reaches a contrast target against a background.
 */

export type Rgb = readonly [number, number, number]

/** "#abc" or "#aabbcc" -> [r, g, b] in 0..255; undefined when malformed. */
export const parseHex = (hex: string): Rgb | undefined => {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim())
  if (m === null) return undefined
  const h = m[1]!.length === 3 ? [...m[1]!].map((c) => c + c).join("") : m[1]!
  return [0, 2, 4].map((i) => Number.parseInt(h.slice(i, i + 2), 16)) as unknown as Rgb
}

/** [r, g, b] -> "#rrggbb". */
export const toHex = (c: Rgb): string =>
  `#${c
    .map((v) =>
      Math.round(Math.min(255, Math.max(0, v)))
        .toString(16)
        .padStart(2, "0")
    )
    .join("")}`

const channel = (v: number): number => {
  const s = v / 255
  return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
}

/** WCAG relative luminance in 0..1. */
export const luminance = (c: Rgb): number =>
  0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2])

/** WCAG contrast ratio in 1..21. */
export const contrast = (a: Rgb, b: Rgb): number => {
  const la = luminance(a)
  const lb = luminance(b)
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05)
}

/** Linear mix: t = 0 gives a, t = 1 gives b. */
export const mix = (a: Rgb, b: Rgb, t: number): Rgb => [
  a[0] + (b[0] - a[0]) * t,
  a[1] + (b[1] - a[1]) * t,
  a[2] + (b[2] - a[2]) * t
]

export const BLACK: Rgb = [0, 0, 0]
export const WHITE: Rgb = [255, 255, 255]

/**
 * Text for a fill: near-black or white, whichever reads better, when it reaches 4.5:1; for the few
 * mid-tones where neither does, pure black or white (one of them always reaches 4.58:1 or more).
 */
export const readableOn = (bg: Rgb): Rgb => {
  const dark: Rgb = [17, 17, 17]
  const cd = contrast(dark, bg)
  const cw = contrast(WHITE, bg)
  if (Math.max(cd, cw) >= 4.5) return cd >= cw ? dark : WHITE
  return contrast(BLACK, bg) >= cw ? BLACK : WHITE
}

/**
 * `fg` itself when it already reaches `target` on `bg`; otherwise `fg` shaded towards black or white
 * (whichever direction can reach the target, the least amount needed), so a brand colour stays
 * recognisable. Falls back to black or white when no shade of `fg` can.
 */
export const ensureContrast = (fg: Rgb, bg: Rgb, target = 4.5): Rgb => {
  if (contrast(fg, bg) >= target) return fg
  const towards = contrast(BLACK, bg) >= contrast(WHITE, bg) ? BLACK : WHITE
  if (contrast(towards, bg) < target) return readableOn(bg)
  let lo = 0
  let hi = 1
  for (let i = 0; i < 20; i++) {
    const mid = (lo + hi) / 2
    if (contrast(mix(fg, towards, mid), bg) >= target) hi = mid
    else lo = mid
  }
  // Round-trip through hex can lose a hair of contrast: nudge until the rounded colour passes.
  let t = hi
  let out = mix(fg, towards, t)
  while (contrast(parseHex(toHex(out))!, bg) < target && t < 1) {
    t = Math.min(1, t + 0.01)
    out = mix(fg, towards, t)
  }
  return parseHex(toHex(out))!
}

/**
 * {@link ensureContrast} against several backgrounds at once (text shown on the page and on cards): the least
 * shade of `fg` towards black or white that reaches `target` on every one of them. Shading for one and then
 * for the other can undo the first; this picks one direction that works for all. When no shade does, black
 * or white, whichever reads best on the worst background.
 */
export const ensureContrastAll = (fg: Rgb, bgs: ReadonlyArray<Rgb>, target = 4.5): Rgb => {
  // Compare the colours as CSS will show them: rounded to hex.
  const shown = bgs.map((b) => parseHex(toHex(b))!)
  const worst = (c: Rgb) => Math.min(...shown.map((b) => contrast(parseHex(toHex(c))!, b)))
  if (worst(fg) >= target) return fg
  for (const towards of [BLACK, WHITE]) {
    if (worst(towards) < target) continue
    let lo = 0
    let hi = 1
    for (let i = 0; i < 20; i++) {
      const mid = (lo + hi) / 2
      if (worst(mix(fg, towards, mid)) >= target) hi = mid
      else lo = mid
    }
    let t = hi
    while (worst(mix(fg, towards, t)) < target && t < 1) t = Math.min(1, t + 0.01)
    return parseHex(toHex(mix(fg, towards, t)))!
  }
  return worst(BLACK) >= worst(WHITE) ? BLACK : WHITE
}
