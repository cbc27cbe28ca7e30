export declare const CLI_ENTRY_NAME: string;
export declare function staleReason(outDir: string, root: string): string | undefined;
