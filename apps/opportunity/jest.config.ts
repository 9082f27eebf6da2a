export default {
  displayName: 'app-opportunity',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/opportunity',
};
