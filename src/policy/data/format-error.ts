/** A bad data document (not JSON, wrong shape, too large). Its message names the file or hash field. */
export class DataFormatError extends Error {}
