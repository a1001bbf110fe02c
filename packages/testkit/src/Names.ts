/**
 * 0 -> "A", 25 -> "Z", 26 -> "AA", 27 -> "AB": distinct, letter-only names for generated entities (bijective
 * base 26), so their slugs stay distinct (digits would be peeled off as store numbers).
 */
export const letterName = (i: number): string => {
  let s = ""
  let n = i
  do {
    s = String.fromCharCode(65 + (n % 26)) + s
    n = Math.floor(n / 26) - 1
  } while (n >= 0)
  return s
}
