/** The absolute path of the CLI bundle's entry module (it exports main), built first when missing or stale. */
export function cliBundle(): Promise<string>;
