export default {
  displayName: 'access',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/access',
};
