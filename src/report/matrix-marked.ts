/**
 * The EKS matrix's formatters are report/matrix.ts's, which write the marks of a source that names its data
 * plane (analysis/matrix-eks.ts streams one); these names stay for the modules that import them from here.
 */
export { formatMarkedMatrix, markedMatrixChunks, type MarkedMatrixSource } from './matrix.js';
