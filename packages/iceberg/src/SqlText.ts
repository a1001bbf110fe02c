/** SQL string literal. */
export const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`
/** SQL identifier. */
export const sqlIdent = (s: string): string => `"${s.replaceAll('"', '""')}"`
