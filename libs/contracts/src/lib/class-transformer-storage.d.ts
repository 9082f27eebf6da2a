// class-transformer ships the typings of its metadata storage under types/ but the code under cjs/; the JSON
// Schema generator needs the storage to learn the element class of nested arrays.
declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
