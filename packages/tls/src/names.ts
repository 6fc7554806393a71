const DOT = 46

function isLabelChar(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 45 // a-z 0-9 -
}

/** A lowercase host name: dot-separated labels of 1-63 letters, digits or inner dashes, at most 253. */
export function isHostName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false
  let start = 0
  for (let i = 0; i <= name.length; i++) {
    if (i < name.length && name.charCodeAt(i) !== DOT) {
      if (!isLabelChar(name.charCodeAt(i))) return false
      continue
    }
    const length = i - start
    if (length === 0 || length > 63) return false
    if (name.charCodeAt(start) === 45 || name.charCodeAt(i - 1) === 45) return false
    start = i + 1
  }
  return true
}
