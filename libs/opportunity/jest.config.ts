export default {
  displayName: 'opportunity',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/opportunity',
};
