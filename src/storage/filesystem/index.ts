export { FilesystemStore, assertStorageKey, objectPath, OBJECT_EXTENSION, TEMP_DIRECTORY, type StoreWriteResult } from './filesystem-store';
