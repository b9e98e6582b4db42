// The web app's files, inlined into the console function's bundle by scripts/build/console-web.ts.
declare module 'console-web:assets' {
  const assets: { html: string; js: string; css: string };
  export default assets;
}
