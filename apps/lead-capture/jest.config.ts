export default {
  displayName: 'app-lead-capture',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/lead-capture',
};
