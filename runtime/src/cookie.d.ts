// The one function used of `cookie` (Express's own cookie parser), which ships no types in 0.7.
declare module 'cookie' {
  export function parse(header: string): Record<string, string | undefined>;
}
