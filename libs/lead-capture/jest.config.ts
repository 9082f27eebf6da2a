export default {
  displayName: 'lead-capture',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/lead-capture',
};
