export default {
  displayName: 'observability',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/observability',
};
