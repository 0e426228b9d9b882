export declare const NATIVE_ROOT: string;
export declare function nativeDirFor(projectRoot: string, electronVersion: string): string;
export declare function nativeBindingFor(projectRoot: string, electronVersion: string): string;
