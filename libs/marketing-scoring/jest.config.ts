export default {
  displayName: 'marketing-scoring',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/marketing-scoring',
};
