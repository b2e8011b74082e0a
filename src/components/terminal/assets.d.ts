/** Vite's `?url` import of a stylesheet: its URL in the built site. */
declare module '*.css?url' {
  const url: string;
  export default url;
}
