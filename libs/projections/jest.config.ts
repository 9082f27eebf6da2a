export default {
  displayName: 'projections',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/projections',
};
