/** jco's naming of WIT identifiers in JS: kebab-case to lowerCamelCase (`sum-list` → `sumList`). */
export function toLowerCamel(name: string): string {
  return name
    .split('-')
    .map((part, i) => (i === 0 ? part.toLowerCase() : part.charAt(0).toUpperCase() + part.slice(1).toLowerCase()))
    .join('');
}
