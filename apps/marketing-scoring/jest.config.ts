export default {
  displayName: 'app-marketing-scoring',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/marketing-scoring',
};
