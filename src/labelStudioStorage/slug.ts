/**
 * The project part of a storage prefix: ASCII-folded, lower case, every run of characters
 * outside [a-z0-9] one "-", trimmed; "project" when nothing is left.
 *
 * Folding is NFKD plus dropping combining marks (é → e, ﬁ → fi). Letters with no
 * decomposition (ø, ß, 日) become separators: the project id keeps the prefix unique anyway.
 */
export function slugify(title: string): string {
  const folded = title.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "");
  const slug = folded.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return slug || "project";
}
